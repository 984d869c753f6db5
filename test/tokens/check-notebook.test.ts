import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { checkNotebookTokens } from "../../src/tokens/check-notebook.js";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import {
  b64json,
  code,
  makeKey,
  markdown,
  notebook,
  result,
  sign,
  stream,
  tempDir,
  writeJson,
} from "../fixtures/tokens/helpers.js";

const claims = { iss: "https://app.example.org", sub: "https://app.example.org", aud: "https://auth.example.org/token", exp: 1422568860, jti: "id-1" };

describe("checkNotebookTokens", () => {
  test("reports every failing token in code cell outputs once per cell, skipping tagged cells", async (t) => {
    const dir = await tempDir(t);
    const key = await makeKey("ES384", "ec-1");
    await writeJson(join(dir, "keys.json"), { keys: [key.publicJwk] });
    const ring = await loadKeyRing(dir);
    const good = await sign(key, claims);
    const [h, , s] = good.split(".");
    const bad = `${h}.${b64json({ ...claims, sub: "x" })}.${s}`;
    const unknown = await sign(key, claims, { alg: "ES384", kid: "gone" });
    const nb = notebook([
      markdown(`A tampered token in prose is not an output: ${bad}`),
      code("console.log(token)", [stream(`token:\n${good}\n`)]),
      code("tampered", [result({ "text/plain": [`'${bad}'`], "text/html": `<pre>${bad}</pre>` })]),
      code("shown on purpose", [stream(bad)], { metadata: { tags: ["unverified-token"] } }),
      code("json", [result({ "application/json": { assertion: unknown, ok: good } })]),
      code("image", [result({ "image/png": bad })]),
    ]);
    assert.deepEqual(await checkNotebookTokens(nb, ring), [
      { cell: 3, tokenStart: bad.slice(0, 20), reason: 'signature does not verify with kid "ec-1"' },
      { cell: 5, tokenStart: unknown.slice(0, 20), reason: 'unknown kid "gone"' },
    ]);
  });
});
