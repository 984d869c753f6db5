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
      markdown(`A tampered token in prose is shown on the page too: ${bad}`),
      code("console.log(token)", [stream(`token:\n${good}\n`)]),
      code("tampered", [result({ "text/plain": [`'${bad}'`], "text/html": `<pre>${bad}</pre>` })]),
      code("shown on purpose", [stream(bad)], { metadata: { tags: ["unverified-token"] } }),
      code("json", [result({ "application/json": { assertion: unknown, ok: good } })]),
      code("image", [result({ "image/png": bad })]),
    ]);
    assert.deepEqual(await checkNotebookTokens(nb, ring), [
      { cell: 1, tokenStart: bad.slice(0, 20), reason: 'signature does not verify with kid "ec-1"' },
      { cell: 3, tokenStart: bad.slice(0, 20), reason: 'signature does not verify with kid "ec-1"' },
      { cell: 5, tokenStart: unknown.slice(0, 20), reason: 'unknown kid "gone"' },
    ]);
  });
});

const b64 = (s: string) => Buffer.from(s).toString("base64url");

test("the four forged forms each fail their cell; the same forms of a good token pass", async (t) => {
  const dir = await tempDir(t);
  const key = await makeKey("RS384", "k1");
  await writeJson(join(dir, "keys.json"), { keys: [key.publicJwk] });
  const ring = await loadKeyRing(dir);
  const claims = { sub: "forged" };
  const good = await sign(key, claims);
  const forms = (token: string) => [
    code("console.log(token)", [stream(`${token}\n`)]),
    code("wrapped", [stream(`${token.match(/.{1,64}/g)!.join("\n")}\n`)]),
    code("html", [result({ "text/html": `<code>${token.split(".").join("&#46;")}</code>`, "text/plain": "token" })]),
  ];
  const forged = [
    `${b64('{ "alg": "RS384", "kid": "k1" }')}.${b64json(claims)}.${good.split(".")[2]}`, // spaced header: the signature no longer matches
    `${b64(JSON.stringify({ alg: "none" }, null, 2))}.${b64json(claims)}.`,
  ];
  const nb = notebook([...forms(good), ...forged.flatMap(forms)]);
  const problems = await checkNotebookTokens(nb, ring);
  assert.deepEqual(
    problems.map((p) => [p.cell, p.reason]),
    [
      [4, 'signature does not verify with kid "k1"'],
      [5, 'signature does not verify with kid "k1"'],
      [6, 'signature does not verify with kid "k1"'],
      [7, "alg none is not allowed"],
      [8, "alg none is not allowed"],
      [9, "alg none is not allowed"],
    ],
  );
});

test("tokens wherever a page shows them: markdown, raw and code cells, comments, and pieces a browser joins up", async (t) => {
  const dir = await tempDir(t);
  const key = await makeKey("RS384", "k1");
  await writeJson(join(dir, "keys.json"), { keys: [key.publicJwk] });
  const ring = await loadKeyRing(dir);
  const good = await sign(key, { sub: "a" });
  const [h, , sig] = good.split(".");
  const bad = `${h}.${b64(JSON.stringify({ sub: "admin" }))}.${sig}`;
  const none = `${b64(JSON.stringify({ alg: "none" }))}.${b64(JSON.stringify({ sub: "admin" }))}.`;
  const spans = (token: string) => token.split(".").map((p) => `<span class="s">${p}</span>`).join("<span>.</span>");
  const places = (token: string) => [
    markdown(`The token: ${token}`),
    { cell_type: "raw" as const, metadata: {}, source: token },
    code(`// an example: ${token}\nconsole.log(1)`, []),
    markdown(`Escaped: ${token.split(".").join("\\.")}`),
    code("html", [result({ "text/html": `<code>${spans(token)}</code>`, "text/plain": "token" })]),
    code("zero width", [stream(token.split(".").join("\u200b.\u200b"))]),
    markdown(`Soft hyphens: ${token.replace(/(.{20})/g, "$1\u00ad")}`),
  ];
  const failing = async (token: string) => (await checkNotebookTokens(notebook(places(token) as never), ring)).map((p) => p.cell);
  assert.deepEqual(await failing(bad), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(await failing(good), []);
  const alg = await checkNotebookTokens(notebook([code(`// ${none}`, [])]), ring);
  assert.deepEqual(alg.map((p) => p.reason), ["alg none is not allowed"]);
});
