import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadKnownSecrets } from "../../src/guard/known-secrets.js";
import { makeKey, tempDir, writeJson } from "../fixtures/tokens/helpers.js";

test("knows every private value under keys/: JWK members, nested sets, PEM keys, encrypted PEM bodies", async (t) => {
  const root = await tempDir(t, "known-secrets-");
  const keys = join(root, "keys");
  await mkdir(join(keys, "spec"), { recursive: true });
  const rsa = await makeKey("RS384", "rsa");
  const ec = await makeKey("ES384", "ec");
  await writeJson(join(keys, "RS384.private.json"), { keys: [rsa.publicJwk, rsa.privateJwk] });
  await writeJson(join(keys, "RS384.public.json"), { keys: [rsa.publicJwk] });
  await writeJson(join(keys, "spec", "wrapped.json"), { note: { inner: [ec.privateJwk] } });
  await writeJson(join(keys, "copy.json"), { keys: [rsa.privateJwk] }); // the same values again: listed once
  await writeJson(join(keys, "hmac.json"), { kty: "oct", k: Buffer.alloc(32, 9).toString("base64url") });
  const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
  await writeFile(join(keys, "server.key"), pem);
  const encrypted = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" });
  await writeFile(join(keys, "locked.pem"), encrypted);

  const labels = (await loadKnownSecrets(keys, root)).map((s) => s.label);
  assert.deepEqual(labels, [
    ...["d", "p", "q", "dp", "dq", "qi"].map((m) => `keys/RS384.private.json, kid "rsa", member ${m}`),
    "keys/hmac.json, member k",
    "keys/locked.pem, PEM ENCRYPTED PRIVATE KEY body",
    "keys/server.key, PEM PRIVATE KEY, member d",
    'keys/spec/wrapped.json, kid "ec", member d',
  ]);
});

test("a keys folder that is missing gives no secrets, not an error", async (t) => {
  const root = await tempDir(t, "known-secrets-");
  assert.deepEqual(await loadKnownSecrets(join(root, "keys"), root), []);
});

test("a value printed in pieces over several outputs, or over several cells, is found", async () => {
  const { findKnownSecrets } = await import("../../src/guard/known-secrets-check.js");
  const { secretMatcher } = await import("../../src/guard/secret-match.js");
  const { code, notebook, stream } = await import("../fixtures/tokens/helpers.js");
  const rsa = await makeKey("RS384", "rsa");
  const d = (rsa.privateJwk as Record<string, string>).d!;
  const matcher = secretMatcher([{ label: "keys/x.json, member d", bytes: Buffer.from(d, "base64url") }]);
  // Pieces of 10 characters: each alone is below what counts.
  const pieces = d.match(/.{1,10}/g)!;
  const outputs = notebook([code("pieces", pieces.map((p) => stream(`${p}\n`)))]);
  assert.deepEqual((await findKnownSecrets(outputs, matcher)).map((f) => [f.cell, f.message]), [[1, "the cell's outputs together show private key material (keys/x.json, member d, as base64); the docs are public"]]);
  const cells = notebook(pieces.map((p) => code("piece", [stream(`${p}\n`)])));
  assert.deepEqual((await findKnownSecrets(cells, matcher)).map((f) => [f.cell, f.message]), [[undefined, "the notebook's outputs together show private key material (keys/x.json, member d, as base64); the docs are public"]]);
  const markdownCells = notebook(pieces.map((p) => ({ cell_type: "markdown", metadata: {}, source: `${p}\n` })));
  assert.deepEqual((await findKnownSecrets(markdownCells, matcher)).map((f) => [f.cell, f.message]), [[undefined, "the notebook's cell sources together show private key material (keys/x.json, member d, as base64); the docs are public"]]);
});

test("knows the keys of every folder and file the run names, besides keys/", async (t) => {
  const { keySources } = await import("../../src/guard/key-sources.js");
  const root = await tempDir(t, "known-secrets-");
  const ci = await tempDir(t, "ci-keys-");
  await mkdir(join(root, "notebooks"), { recursive: true });
  const a = await makeKey("ES384", "a");
  const b = await makeKey("ES384", "b");
  await writeJson(join(ci, "set.private.json"), { keys: [a.privateJwk] });
  await writeJson(join(root, "one.private.json"), { keys: [b.privateJwk] });
  const job = { path: join(root, "notebooks", "x.ipynb"), label: "notebooks/x.ipynb", name: "x", docsDir: join(root, "docs"), params: new Map([["keysDir", { kind: "text" as const, text: ci }], ["keyFile", { kind: "json" as const, value: { path: "../one.private.json" } }], ["other", { kind: "text" as const, text: "not a path" }]]) };
  const sources = await keySources(join(root, "keys"), [job]);
  assert.deepEqual(sources, [join(root, "keys"), ci, join(root, "one.private.json")]);
  const labels = (await loadKnownSecrets(sources, root)).map((s) => s.label);
  assert.deepEqual(labels, [`${join(ci, "set.private.json")}, kid "a", member d`, 'one.private.json, kid "b", member d']);
});
