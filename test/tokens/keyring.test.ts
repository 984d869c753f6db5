import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as jose from "jose";
import { loadKeyRing } from "../../src/tokens/keyring.js";

test("the key ring reads key sets in keys/ and in its direct subfolders, not deeper", async () => {
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
    assert.deepEqual((await loadKeyRing(dir)).kids, ["spec-client", "top"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
