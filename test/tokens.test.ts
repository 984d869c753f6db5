import assert from "node:assert/strict";
import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CompactEncrypt, CompactSign, exportJWK, generateSecret } from "jose";
import { checkNotebookTokens } from "../src/tokens/check-notebook.js";
import { findTokens } from "../src/tokens/find.js";
import { KeyRingError, loadKeyRing } from "../src/tokens/keyring.js";
import { verifyToken } from "../src/tokens/verify.js";
import {
  b64json,
  code,
  makeKey,
  markdown,
  notebook,
  readSpecJson,
  result,
  sign,
  specDir,
  stream,
  tempDir,
  writeJson,
} from "./fixtures/tokens/helpers.js";
import type { PublishedTokens } from "./fixtures/tokens/helpers.js";

const claims = { iss: "https://app.example.org", sub: "https://app.example.org", aud: "https://auth.example.org/token", exp: 1422568860, jti: "id-1" };

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

describe("findTokens", () => {
  test("finds compact JWS tokens with their index", async () => {
    const key = await makeKey("ES256", "k1");
    const t1 = await sign(key, claims);
    const t2 = await sign(key, { other: true });
    const text = `assertion=${t1}&x=1\n"${t2}".`;
    assert.deepEqual(findTokens(text), [
      { token: t1, index: "assertion=".length },
      { token: t2, index: text.indexOf(t2) },
    ]);
  });

  test("an unsecured token keeps its empty signature; a sentence's full stop is not a signature", () => {
    const header = b64json({ alg: "none" });
    const payload = b64json(claims);
    assert.deepEqual(findTokens(`x ${header}.${payload}. y`), [{ token: `${header}.${payload}.`, index: 2 }]);
    const signedHeader = b64json({ alg: "RS256", kid: "k" });
    assert.deepEqual(findTokens(`ends with ${signedHeader}.${payload}.`), []);
  });

  test("does not take a JWE, a longer base64url run or non-JSON text for a JWS", async () => {
    const key = await makeKey("ES256", "k1");
    const jws = await sign(key, claims);
    const jwe = await new CompactEncrypt(new TextEncoder().encode("secret"))
      .setProtectedHeader({ alg: "dir", enc: "A128GCM" })
      .encrypt(new Uint8Array(16));
    assert.equal(jwe.split(".").length, 5);
    assert.deepEqual(findTokens(jwe), []);
    assert.deepEqual(findTokens(`Xx${jws}`), []);
    assert.deepEqual(findTokens(`${jws}.more`), []);
    assert.deepEqual(findTokens("eyJhbGciOi.not-json.sig file.name.ts"), []);
  });
});

describe("verifyToken", () => {
  async function ringOf(t: Parameters<typeof tempDir>[0], keys: object[]) {
    const dir = await tempDir(t);
    await writeJson(join(dir, "keys.json"), { keys });
    return loadKeyRing(dir);
  }

  test("the spec's published RS384 and ES384 tokens verify with the spec's public keys", async (t) => {
    const dir = await tempDir(t);
    await copyFile(join(specDir, "RS384.public.json"), join(dir, "RS384.public.json"));
    await copyFile(join(specDir, "ES384.public.json"), join(dir, "ES384.public.json"));
    const ring = await loadKeyRing(dir);
    const published = await readSpecJson<PublishedTokens>("published-tokens.json");
    for (const alg of ["RS384", "ES384"] as const) {
      const verdict = await verifyToken(published.tokens[alg], ring);
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      assert.ok(verdict.ok);
      assert.equal(verdict.alg, alg);
      assert.deepEqual(verdict.payload, published.claims); // exp is in 2015: claims are not checked
    }
  });

  test("the spec's private sets give the same ring, and a fresh ES384 signature verifies too", async (t) => {
    const dir = await tempDir(t);
    await copyFile(join(specDir, "RS384.private.json"), join(dir, "RS384.private.json"));
    await copyFile(join(specDir, "ES384.private.json"), join(dir, "ES384.private.json"));
    const ring = await loadKeyRing(dir);
    const published = await readSpecJson<PublishedTokens>("published-tokens.json");
    assert.equal((await verifyToken(published.tokens.RS384, ring)).ok, true);
    const es = (await readSpecJson<{ keys: Array<Record<string, unknown>> }>("ES384.private.json")).keys[1]!;
    const { importJWK } = await import("jose");
    const privateKey = (await importJWK({ ...es, key_ops: ["sign"] }, "ES384")) as Parameters<typeof sign>[0]["privateKey"];
    const fresh = await sign({ privateKey, alg: "ES384", kid: es.kid as string }, published.claims);
    assert.notEqual(fresh, published.tokens.ES384);
    assert.equal(fresh.slice(0, fresh.lastIndexOf(".")), published.tokens.ES384.slice(0, published.tokens.ES384.lastIndexOf(".")));
    assert.equal((await verifyToken(fresh, ring)).ok, true);
  });

  test("verifies every allowed asymmetric alg with a fitting key, expired or not", async (t) => {
    const keys = await Promise.all(
      ["RS256", "RS512", "PS256", "PS384", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"].map((alg) => makeKey(alg, `k-${alg}`)),
    );
    const noAlg = await makeKey("PS512", "k-noalg", false);
    const ring = await ringOf(t, [...keys, noAlg].map((k) => k.publicJwk));
    for (const key of [...keys, noAlg]) {
      const verdict = await verifyToken(await sign(key, { ...claims, exp: 1 }), ring);
      assert.deepEqual(verdict, {
        ok: true,
        kid: key.kid,
        alg: key.alg,
        header: { alg: key.alg, kid: key.kid, typ: "JWT" },
        payload: { ...claims, exp: 1 },
      });
    }
  });

  test("fails with reasons a reader understands", async (t) => {
    const rsa = await makeKey("RS384", "rsa-1");
    const ec = await makeKey("ES384", "ec-1");
    const rsaNoAlg = await makeKey("RS256", "rsa-noalg", false);
    const p256 = await makeKey("ES256", "p256-noalg", false);
    const stranger = await makeKey("ES384", "ec-1"); // same kid, a key the ring does not have
    const dir = await tempDir(t);
    const secret = await generateSecret("HS256", { extractable: true });
    await writeJson(join(dir, "keys.json"), {
      keys: [rsa.publicJwk, ec.publicJwk, rsaNoAlg.publicJwk, p256.publicJwk, { ...(await exportJWK(secret)), kid: "hmac-1" }],
    });
    const ring = await loadKeyRing(dir);

    const good = await sign(ec, claims);
    const [h, , s] = good.split(".");
    const tampered = `${h}.${b64json({ ...claims, sub: "someone-else" })}.${s}`;
    const hs256 = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: "HS256", kid: "hmac-1" })
      .sign(secret);
    const cases: Array<[string, string]> = [
      [tampered, 'signature does not verify with kid "ec-1"'],
      [await sign(stranger, claims), 'signature does not verify with kid "ec-1"'],
      [`${b64json({ alg: "none", kid: "ec-1" })}.${b64json(claims)}.`, "alg none is not allowed"],
      [hs256, "alg HS256 is not allowed (symmetric: no public key can check it)"],
      [await sign(ec, claims, { alg: "ES384", kid: "nope" }), 'unknown kid "nope"'],
      [await sign(ec, claims, { alg: "ES384" }), "header has no kid"],
      [await sign(ec, claims, { alg: "ES384", kid: "rsa-1" }), 'kid "rsa-1" is a RS384 key, but the token says alg ES384'],
      [await sign(ec, claims, { alg: "ES384", kid: "rsa-noalg" }), 'kid "rsa-noalg" is a RSA key, but alg ES384 needs EC'],
      [await sign(ec, claims, { alg: "ES384", kid: "p256-noalg" }), 'kid "p256-noalg" is on curve P-256, but alg ES384 needs P-384'],
      [`${b64json({ alg: "XS1", kid: "ec-1" })}.${b64json(claims)}.c2ln`, 'alg "XS1" is not allowed (allowed: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519)'],
      [`${h}.${Buffer.from("not json").toString("base64url")}.${s}`, "payload is not a JSON object"],
      ["a.b", "not a compact JWS (2 parts, expected 3)"],
    ];
    for (const [token, reason] of cases) {
      const verdict = await verifyToken(token, ring);
      assert.equal(verdict.ok, false);
      assert.ok(!verdict.ok);
      assert.equal(verdict.reason, reason, token);
    }
    const verdict = await verifyToken(tampered, ring);
    assert.ok(!verdict.ok);
    assert.deepEqual(verdict.payload, { ...claims, sub: "someone-else" });
    assert.deepEqual(verdict.header, { alg: "ES384", kid: "ec-1", typ: "JWT" });
  });
});

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
