import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import * as jose from "jose";
import { exportJWK, generateSecret } from "jose";
import { KeyRingError, loadKeyRing } from "../../src/tokens/keyring.js";
import {
  makeKey,
  projectRoot,
  tempDir,
  writeJson,
} from "../fixtures/tokens/helpers.js";

describe("loadKeyRing", () => {
  test("keeps only public members of every set, indexed by kid", async (t) => {
    const dir = await tempDir(t);
    const rsa = await makeKey("RS384", "rsa-1");
    const ec = await makeKey("ES384", "ec-1");
    await writeJson(join(dir, "RS384.private.json"), {
      keys: [
        { ...rsa.publicJwk, key_ops: ["verify"], ext: true },
        { ...rsa.privateJwk, key_ops: ["sign"], ext: true },
      ],
    });
    await writeJson(join(dir, "ES384.private.json"), { keys: [{ ...ec.privateJwk, key_ops: ["sign"] }] });
    await writeFile(join(dir, "notes.txt"), "not a key set");
    const ring = await loadKeyRing(dir);
    assert.deepEqual(ring.kids, ["ec-1", "rsa-1"]);
    for (const kid of ring.kids) {
      const key = ring.get(kid)!;
      for (const member of ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "key_ops"]) {
        assert.equal(member in key.jwk, false, `${kid} keeps ${member}`);
      }
    }
    assert.equal(ring.get("ec-1")!.crv, "P-384");
    assert.equal(ring.get("rsa-1")!.alg, "RS384");
    assert.equal(ring.get("nope"), undefined);
  });

  test("ignores symmetric keys entirely", async (t) => {
    const dir = await tempDir(t);
    const secret = await exportJWK(await generateSecret("HS256", { extractable: true }));
    await writeJson(join(dir, "mixed.json"), { keys: [{ ...secret, kid: "hmac-1", alg: "HS256" }] });
    const ring = await loadKeyRing(dir);
    assert.equal(ring.get("hmac-1"), undefined);
    assert.deepEqual(ring.ignored, [{ source: join(dir, "mixed.json"), kid: "hmac-1", reason: 'kty "oct" is not an asymmetric signing key' }]);
  });

  test("a kid naming two different keys is an error; the same key twice is not", async (t) => {
    const dir = await tempDir(t);
    const a = await makeKey("ES256", "shared");
    const b = await makeKey("ES256", "shared");
    await writeJson(join(dir, "a.json"), { keys: [a.publicJwk] });
    await writeJson(join(dir, "a-again.json"), { keys: [a.privateJwk] });
    assert.deepEqual((await loadKeyRing(dir)).kids, ["shared"]);
    await writeJson(join(dir, "b.json"), { keys: [b.publicJwk] });
    await assert.rejects(loadKeyRing(dir), (err: unknown) => {
      assert.ok(err instanceof KeyRingError);
      assert.equal(err.message, `${join(dir, "b.json")}: kid "shared" names a different key in ${join(dir, "a-again.json")}`);
      return true;
    });
  });

  test("names the file that is not a JWK set", async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, "broken.json"), "{ nope");
    await assert.rejects(loadKeyRing(dir), new RegExp(`^KeyRingError: ${join(dir, "broken.json")}: not valid JSON`));
    await writeJson(join(dir, "broken.json"), { kty: "EC" });
    await assert.rejects(loadKeyRing(dir), { message: `${join(dir, "broken.json")}: not a JWK set (expected an object with a "keys" array)` });
    await assert.rejects(loadKeyRing(join(dir, "missing")), /cannot read the keys folder/);
  });
});

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
