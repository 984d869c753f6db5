import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CompactEncrypt, compactVerify, importJWK } from "jose";
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

const b64 = (s: string) => Buffer.from(s).toString("base64url");
const wrap = (s: string, width: number) => s.match(new RegExp(`.{1,${width}}`, "g"))!.join("\n");
const forgedClaims = { iss: "https://app.example.org", aud: "https://auth.example.org/token", exp: 1422568860, jti: "id-1" };

describe("findTokens: the forms a forged token was printed in", () => {
  test("a header with a space after the brace, which jose accepts", async () => {
    const key = await makeKey("RS384", "k1");
    const spaced = `{ "alg": "RS384", "kid": "k1" }`;
    const token = await sign(key, forgedClaims, JSON.parse(spaced) as Record<string, unknown>);
    // Re-sign over the spaced header bytes, as an attacker's hand-made token would be.
    const [, payload] = token.split(".");
    const forged = `${b64(spaced)}.${payload}.c2lnbmF0dXJl`;
    assert.ok(forged.startsWith("eyAi"));
    assert.deepEqual(findTokens(`token: ${forged}\n`), [{ token: forged, index: 7 }]);
  });

  test("a pretty-printed alg none header with an empty signature", () => {
    const forged = `${b64(JSON.stringify({ alg: "none" }, null, 2))}.${b64json(forgedClaims)}.`;
    assert.ok(forged.startsWith("ewog"));
    assert.deepEqual(findTokens(`${forged}\n`), [{ token: forged, index: 0 }]);
  });

  test("a token wrapped at 64 columns, the break in any segment", async () => {
    for (const alg of ["RS384", "ES384"]) {
      const key = await makeKey(alg, "k1");
      const token = await sign(key, forgedClaims);
      const text = `assertion:\n${wrap(token, 64)}\nnext line\n`;
      const found = findTokens(text);
      assert.deepEqual(found.map((f) => f.token), [token], alg);
      assert.equal(found[0]!.index, "assertion:\n".length);
      assert.equal(found[0]!.raw, wrap(token, 64));
      // What is found is what a verifier checks.
      await compactVerify(found[0]!.token, await importJWK(key.publicJwk, alg));
    }
  });

  test("dots written as HTML character references in an HTML output", async () => {
    const key = await makeKey("ES384", "k1");
    const token = await sign(key, forgedClaims);
    for (const dot of ["&#46;", "&#046;", "&#x2e;", "&#X2E;", "&period;"]) {
      const html = `<pre>${token.split(".").join(dot)}</pre>`;
      const found = findTokens(html);
      assert.deepEqual(found.map((f) => f.token), [token], dot);
      assert.equal(found[0]!.index, 5);
      assert.equal(found[0]!.raw, token.split(".").join(dot));
    }
    // Every character spelled as a reference still reads as the token.
    const spelled = [...token].map((c) => `&#${c.charCodeAt(0)};`).join("");
    assert.deepEqual(findTokens(spelled).map((f) => f.token), [token]);
  });

  test("any header that decodes to a JSON object counts, alg or not", () => {
    for (const header of ['{"typ":"JWT"}', '  {"alg":"RS384"}', '\ufeff{"alg":"ES384"}', "{}", '{"alg":"ES384","enc":"x"}']) {
      const token = `${b64(header)}.${b64json(forgedClaims)}.c2ln`;
      assert.deepEqual(findTokens(`x ${token} y`), [{ token, index: 2 }], header);
    }
  });
});

describe("findTokens: near-misses that are not tokens", () => {
  const payload = b64json(forgedClaims);
  const head = b64json({ alg: "RS384", kid: "k1" });
  const cases: Array<[string, string]> = [
    ["dotted file names and host names", "see file.name.ts and www.example.org.uk"],
    ["a header that is not JSON", `${b64("not json")}.${payload}.c2ln`],
    ["a header that is a JSON array", `${b64("[1,2]")}.${payload}.c2ln`],
    ["a header that is a JSON string", `${b64('"alg"')}.${payload}.c2ln`],
    ["a header cut short", "eyJhbGciOi.not-json.sig"],
    ["two segments", `${head}.${payload}`],
    ["four segments", `${head}.${payload}.c2ln.bW9yZQ`],
    ["five segments (a JWE)", `${b64json({ alg: "dir", enc: "A128GCM" })}..aXY.Y3Q.dGFn`],
    ["an empty payload", `${head}..c2ln`],
    ["a signed header before a sentence's full stop", `It ends with ${head}.${payload}.`],
    ["a token inside a longer base64url run", `Xx${head}.${payload}.c2ln`],
    ["references for characters that are not in a token", `${head}&#32;${payload}&#32;c2ln`],
    ["a line break between unrelated runs", `${head}\n${payload}\nc2ln`],
    ["a header whose bytes are not UTF-8", `${Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")}.${payload}.c2ln`],
  ];
  for (const [what, text] of cases) {
    test(what, () => assert.deepEqual(findTokens(text), []));
  }

  test("a whole token at a line's end does not swallow the next line", async () => {
    const key = await makeKey("ES384", "k1");
    const token = await sign(key, forgedClaims);
    assert.deepEqual(findTokens(`${token}\nhello\n`), [{ token, index: 0 }]);
    const rsa = await makeKey("RS384", "k2");
    const rsToken = await sign(rsa, forgedClaims);
    assert.deepEqual(findTokens(`${rsToken}\r\nabc.def\n`), [{ token: rsToken, index: 0 }]);
  });
});
