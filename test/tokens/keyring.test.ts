import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as jose from "jose";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import { projectRoot } from "../fixtures/tokens/helpers.js";

test("the key ring reads key sets in keys/ and its sub-folders, and nothing but .json", async () => {
  const dir = await mkdtemp(join(tmpdir(), "keyring-"));
  try {
    const set = async (kid: string) => {
      const { publicKey } = await jose.generateKeyPair("ES384", { extractable: true });
      return JSON.stringify({ keys: [{ ...(await jose.exportJWK(publicKey)), kid, alg: "ES384" }] });
    };
    await mkdir(join(dir, "spec", "old"), { recursive: true });
    await writeFile(join(dir, "top.json"), await set("top"));
    await writeFile(join(dir, "spec", "client.json"), await set("spec-client"));
    await writeFile(join(dir, "spec", "README.md"), "not a key set");
    await writeFile(join(dir, "spec", "old", "retired.json"), await set("retired"));
    assert.deepEqual((await loadKeyRing(dir)).kids, ["retired", "spec-client", "top"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the spec's keys in keys/spec/ are in the project's ring, found in their own files", async () => {
  const ring = await loadKeyRing(join(projectRoot, "keys"));
  const file = join(projectRoot, "keys", "spec", "RS384.public.json");
  const kid = (JSON.parse(await readFile(file, "utf8")) as { keys: { kid: string }[] }).keys[0]!.kid;
  assert.match(ring.get(kid)!.source, /keys\/spec\/RS384\.p(rivate|ublic)\.json$/);
});
