import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CompactEncrypt } from "jose";
import { findTokens } from "../../src/tokens/find.js";
import {
  b64json,
  makeKey,
  sign,
} from "../fixtures/tokens/helpers.js";

const claims = { iss: "https://app.example.org", sub: "https://app.example.org", aud: "https://auth.example.org/token", exp: 1422568860, jti: "id-1" };

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

  test("does not take a JWE, a longer base64url run or non-JOSE text for a JWS", async () => {
    const key = await makeKey("ES256", "k1");
    const jws = await sign(key, claims);
    const jwe = await new CompactEncrypt(new TextEncoder().encode("secret"))
      .setProtectedHeader({ alg: "dir", enc: "A128GCM" })
      .encrypt(new Uint8Array(16));
    assert.equal(jwe.split(".").length, 5);
    assert.deepEqual(findTokens(jwe), []);
    assert.deepEqual(findTokens(`Xx${jws}`), []);
    assert.deepEqual(findTokens(`${jws}.more`), []);
    assert.deepEqual(findTokens(`${b64json({ typ: "JWT" })}.${b64json(claims)}.c2ln`), []);
    assert.deepEqual(findTokens("eyJhbGciOi.not-json.sig file.name.ts"), []);
  });
});
