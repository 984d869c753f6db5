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
