import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, test } from "node:test";
import { inspect } from "node:util";
import type { KnownSecret } from "../../src/guard/known-secrets.js";
import { MIN_PIECE, secretMatcher } from "../../src/guard/secret-match.js";
import { makeKey } from "../fixtures/tokens/helpers.js";

const rsa = await makeKey("RS384", "rsa-1");
const ec = await makeKey("ES384", "ec-1");
const jwk = rsa.privateJwk as Record<string, string>;
const secrets: KnownSecret[] = ["d", "p", "q", "dp", "dq", "qi"].map((m) => ({ label: `member ${m}`, bytes: Buffer.from(jwk[m]!, "base64url") }));
secrets.push({ label: "ec d", bytes: Buffer.from((ec.privateJwk as Record<string, string>).d!, "base64url") });
const matcher = secretMatcher(secrets);
const d = Buffer.from(jwk.d!, "base64url");
const other = await makeKey("RS384", "other");
/** A PNG's bytes: its signature, a tEXt chunk (keyword, NUL, text) and an IEND chunk (CRCs are not checked by the guard). */
function pngWithText(keyword: string, text: string): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type, "latin1"), data, Buffer.alloc(4)]);
  };
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("tEXt", Buffer.from(`${keyword}\0${text}`, "latin1")), chunk("IEND", Buffer.alloc(0))]);
}
const labels = (text: string) => [...new Set(matcher.find(text).map((h) => h.secret.label))];

describe("secretMatcher: a private value however it is spelled", () => {
  const spellings: Array<[string, string]> = [
    ["base64url, as in the JWK", `d = ${jwk.d}`],
    ["base64", `d = ${d.toString("base64")}`],
    ["base64 of a slice at each byte alignment", [1, 2, 3].map((s) => d.subarray(s, s + 40).toString("base64")).join(" | ")],
    ["hex, lower and upper case", `${d.toString("hex")}\n${d.toString("hex").toUpperCase()}`],
    ["hex bytes with separators, as openssl prints them", d.toString("hex").match(/../g)!.join(":")],
    ["0x-prefixed hex bytes", d.toString("hex").match(/../g)!.map((b) => `0x${b}`).join(", ")],
    ["a printed Uint8Array", inspect(new Uint8Array(d))],
    ["Buffer.toJSON()", JSON.stringify(d.subarray(0, 24))],
    ["JSON-escaped twice (a JSON string stringified again)", JSON.stringify(JSON.stringify(JSON.stringify({ d: jwk.d })))],
    ["JSON \\u escapes for every character", `"${[...jwk.d!.slice(0, 40)].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`],
    ["split across table cells", `│ ${jwk.d!.match(/.{1,30}/g)!.join(" │ ")} │`],
    ["split across lines", jwk.d!.match(/.{1,64}/g)!.join("\n")],
    ["HTML character references", [...jwk.d!.slice(0, 48)].map((c) => `&#${c.charCodeAt(0)};`).join("")],
    ["percent-encoded base64", encodeURIComponent(d.toString("base64"))],
    ...(["-", "/", "_", "+", " ", "\n", "\t"] as const).map((sep): [string, string] => [`in 12-character groups joined by ${JSON.stringify(sep)}`, jwk.d!.match(/.{1,12}/g)!.join(sep)]),
    ["base64 of the whole JWK's JSON", Buffer.from(JSON.stringify(rsa.privateJwk)).toString("base64")],
    ["base64 of the whole JWK's JSON, wrapped at 76 columns", Buffer.from(JSON.stringify(rsa.privateJwk, null, 2)).toString("base64").match(/.{1,76}/g)!.join("\n")],
    ["a PNG (as base64) whose text chunk holds the JWK", pngWithText("jwk", JSON.stringify(rsa.privateJwk)).toString("base64")],
    ["inside the PEM body of the key", createPrivateKey({ key: rsa.privateJwk as never, format: "jwk" }).export({ type: "pkcs8", format: "pem" }) as string],
  ];
  for (const [what, text] of spellings) {
    test(what, () => assert.ok(labels(text).includes("member d"), `not found in: ${text.slice(0, 200)}`));
  }

  test("a printed Uint8Array whose first byte has three digits: the 256 of its header does not void the list", () => {
    const bytes = Buffer.from(d);
    bytes[0] = 200;
    const text = inspect(new Uint8Array(bytes));
    assert.match(text, /^Uint8Array\(\d+\) \[\n {2}200,/);
    assert.equal(secretMatcher([{ label: "x", bytes }]).find(text).length, 1, text.slice(0, 200));
  });

  test("a piece of the shortest length that counts, at every position in the text", () => {
    for (let at = 0; at < 8; at++) {
      const base64 = `${"A".repeat(at)} ${jwk.d!.slice(100, 100 + MIN_PIECE.base64)}`;
      const hex = `${"0".repeat(at)} ${d.toString("hex").slice(41, 41 + MIN_PIECE.hex)}`;
      assert.deepEqual(labels(base64), ["member d"], base64);
      assert.deepEqual(labels(hex), ["member d"], hex);
    }
  });

  test("every member of a printed private JWK is named", () => {
    assert.deepEqual(labels(inspect(rsa.privateJwk)).sort(), ["member d", "member dp", "member dq", "member p", "member q", "member qi"]);
    assert.deepEqual(labels(JSON.stringify(ec.privateJwk)), ["ec d"]);
  });
});

describe("secretMatcher: what does not count", () => {
  const nearMisses: Array<[string, string]> = [
    ["the public members of the same keys", JSON.stringify([rsa.publicJwk, ec.publicJwk])],
    ["the public key as PEM", createPublicKey({ key: rsa.publicJwk as never, format: "jwk" }).export({ type: "spki", format: "pem" }) as string],
    ["another key's secrets", JSON.stringify(other.privateJwk)],
    ["one piece shorter than a window", `(${jwk.d!.slice(0, 15)})`],
    // 12 characters, not 15: separators are dropped, so a window spanning two pieces matches when
    // the characters that follow one piece in the secret happen to begin the next: with 15, one
    // character in 64 (a key in 30 failed); with 12, four characters in a row (one in 16 million).
    ["short pieces that are not adjacent in the secret", jwk.d!.match(/.{12}/g)!.filter((_, i) => i % 2 === 0).join(" | ")],
    ["random base64 and hex", `${Buffer.alloc(4096, 7).toString("base64")} ${"0123456789abcdef".repeat(64)}`],
  ];
  for (const [what, text] of nearMisses) {
    test(what, () => assert.deepEqual(matcher.find(text), []));
  }
});

describe("secretMatcher: linear in the text's size", () => {
  for (const [what, text] of [
    ["150,000 backslashes", "\\".repeat(150_000)],
    ["150,000 backslashes, then a u", `${"\\".repeat(150_000)}u`],
    ["75,000 byte values", "1, ".repeat(75_000)],
  ] as const) {
    test(`${what}: well under a second, and a secret after them is still found`, () => {
      const t0 = performance.now();
      const hits = labels(`${text} ${jwk.d}`);
      const ms = performance.now() - t0;
      assert.ok(hits.includes("member d"));
      // Quadratic, this took 15-64 s; linear, about 50 ms here (the bound leaves room for a busy machine).
      assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
    });
  }
});
