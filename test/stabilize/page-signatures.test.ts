import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { keepPageSignatures } from "../../src/stabilize/page-signatures.js";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import { code, makeKey, notebook, result, sign, stream, tempDir, writeJson } from "../fixtures/tokens/helpers.js";

const claims = { iss: "https://app.example.org", aud: "https://auth.example.org/token", exp: 1422568860 };

test("a fresh token takes the committed page's token with the same header and payload, only when that one verifies", async (t) => {
  const dir = await tempDir(t);
  const key = await makeKey("ES384", "ec-1");
  const stranger = await makeKey("ES384", "ec-1");
  await writeJson(join(dir, "keys.json"), { keys: [key.publicJwk] });
  const ring = await loadKeyRing(dir);

  const onPage = await sign(key, claims);
  const fresh = await sign(key, claims);
  const other = await sign(key, { ...claims, jti: "other" });
  const forged = await sign(stranger, { ...claims, jti: "forged" });
  const freshForged = await sign(key, { ...claims, jti: "forged" });
  assert.notEqual(fresh, onPage);

  const nb = notebook([code("show()", [stream(`${fresh}\n`), result({ "text/plain": `'${fresh}'`, "text/html": `<b>${fresh}</b>` })]), code("more()", [stream(`${other}\n${freshForged}\n`)])]);
  const page = `# Page\n\n    ${onPage}\n\n    ${forged}\n`;
  const kept = await keepPageSignatures(nb, page, ring);

  assert.deepEqual(kept.cells[0], code("show()", [stream(`${onPage}\n`), result({ "text/plain": `'${onPage}'`, "text/html": `<b>${onPage}</b>` })]));
  // A payload the page does not show, and a page token that does not verify: the fresh tokens stay.
  assert.deepEqual(kept.cells[1], nb.cells[1]);
  // The input is not changed, and without a committed page nothing is replaced.
  assert.match(JSON.stringify(nb.cells[0]), new RegExp(fresh));
  assert.deepEqual(await keepPageSignatures(nb, undefined, ring), nb);
});
