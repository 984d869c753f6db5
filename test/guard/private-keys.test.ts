import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, test } from "node:test";
import { exportJWK, generateSecret } from "jose";
import { findPrivateKeyMaterial } from "../../src/guard/private-keys.js";
import { code, error, makeKey, markdown, notebook, result, specDir, stream } from "../fixtures/tokens/helpers.js";

describe("findPrivateKeyMaterial", () => {
  test("finds every secret member of a printed private JWK set", async () => {
    const rsa = await makeKey("RS384", "rsa-1");
    const ec = await makeKey("ES384", "ec-1");
    const nb = notebook([
      markdown("# Keys"),
      code("console.log(JSON.stringify(jwks, null, 2))", [stream(JSON.stringify({ keys: [rsa.publicJwk, rsa.privateJwk] }, null, 2) + "\n")]),
      code("console.log(ecPrivate)", [stream(inspect(ec.privateJwk) + "\n")]), // how tslab's console.log prints it
      code("jwks", [result({ "text/plain": inspect({ keys: [ec.privateJwk] }) })]),
      code("JSON.stringify(JSON.stringify(key))", [result({ "text/plain": JSON.stringify(JSON.stringify(ec.privateJwk)) })]),
      code("display(json)", [result({ "application/json": { keys: [ec.privateJwk] } })]),
      code("html", [result({ "text/html": `<pre>${JSON.stringify(ec.privateJwk).replaceAll('"', "&quot;")}</pre>` })]),
    ]);
    assert.deepEqual(findPrivateKeyMaterial(nb), [
      ...["d", "p", "q", "dp", "dq", "qi"].map((m) => ({ cell: 2, what: `JWK member "${m}"`, where: "output 1" })),
      { cell: 3, what: 'JWK member "d"', where: "output 1" },
      { cell: 4, what: 'JWK member "d"', where: "output 1" },
      { cell: 5, what: 'JWK member "d"', where: "output 1" },
      { cell: 6, what: 'JWK member "d"', where: "output 1" },
      { cell: 7, what: 'JWK member "d"', where: "output 1" },
    ]);
  });

  test("finds a symmetric key's k and secrets in markdown sources and error messages", async () => {
    const secret = { ...(await exportJWK(await generateSecret("HS256", { extractable: true }))), kid: "h" };
    const ec = await makeKey("ES256", "ec");
    const nb = notebook([
      markdown("Our key:\n\n```json\n" + JSON.stringify(ec.privateJwk, null, 2) + "\n```\n"),
      code("secret", [stream("ok\n"), error("Error", `bad key ${JSON.stringify(secret)}`, ["Error: bad key", "    at <anonymous>"])]),
    ]);
    assert.deepEqual(findPrivateKeyMaterial(nb), [
      { cell: 1, what: 'JWK member "d"', where: "source" },
      { cell: 2, what: 'JWK member "k"', where: "output 2" },
    ]);
  });

  test("finds PEM private keys, plain, PKCS#1 and encrypted", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pkcs8 = ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const pkcs1 = rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    const encrypted = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }) as string;
    const nb = notebook([
      code("pem", [stream(pkcs8)]),
      code("pkcs1", [result({ "text/plain": inspect(pkcs1) })]), // inspect escapes the newlines
      code("enc", [stream(encrypted.slice(0, 120) + "…\n")]),
    ]);
    assert.deepEqual(findPrivateKeyMaterial(nb), [
      { cell: 1, what: "PEM PRIVATE KEY block", where: "output 1" },
      { cell: 2, what: "PEM RSA PRIVATE KEY block", where: "output 1" },
      { cell: 3, what: "PEM ENCRYPTED PRIVATE KEY block", where: "output 1" },
    ]);
  });

  test("passes public sets, public PEM, ordinary data with a d and code that names the markers", async () => {
    const ec = await makeKey("ES384", "ec-1");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const nb = notebook([
      code("jwks", [stream(JSON.stringify({ keys: [ec.publicJwk] }, null, 2)), result({ "text/plain": inspect(ec.publicJwk) })]),
      code("spki", [stream(rsa.publicKey.export({ type: "spki", format: "pem" }) as string)]),
      code("point", [result({ "application/json": { d: "2024-01-01", p: "x", kty_note: "n/a" }, "text/plain": "{ d: 'x', q: 'y' }" })]),
      code('if (pem.includes("-----BEGIN PRIVATE KEY-----")) throw new Error("private!");', []),
      code("nested", [stream(JSON.stringify({ kty: "RSA", n: "x", e: "AQAB", meta: { d: "not a key member" } }))]),
    ]);
    assert.deepEqual(findPrivateKeyMaterial(nb), []);
  });

  test("honours docs.allow_private_keys in the notebook metadata", async () => {
    const ec = await makeKey("ES384", "ec-1");
    const cells = [code("k", [stream(JSON.stringify(ec.privateJwk))])];
    assert.equal(findPrivateKeyMaterial(notebook(cells)).length, 1);
    assert.deepEqual(findPrivateKeyMaterial(notebook(cells, { docs: { allow_private_keys: true } })), []);
    assert.equal(findPrivateKeyMaterial(notebook(cells, { docs: { allow_private_keys: "yes" } })).length, 1);
  });

  test("finds the spec's private example sets printed as is", async () => {
    const es = await readFile(join(specDir, "ES384.private.json"), "utf8");
    const esPublic = await readFile(join(specDir, "ES384.public.json"), "utf8");
    const nb = notebook([code("cat", [stream(es)]), code("cat public", [stream(esPublic)])]);
    assert.deepEqual(findPrivateKeyMaterial(nb), [{ cell: 1, what: 'JWK member "d"', where: "output 1" }]);
  });
});

describe("findPrivateKeyMaterial: a key printed without its kty, and long outputs", () => {
  test("a generated EC or RSA key printed as a JWK without kty is found; data with a d and an n alone is not", async () => {
    const ec = await makeKey("ES384", "ec-1");
    const rsa = await makeKey("RS384", "rsa-1");
    const drop = (jwk: object) => Object.fromEntries(Object.entries(jwk).filter(([k]) => k !== "kty" && k !== "kid" && k !== "alg"));
    const nb = notebook([
      code("ec", [stream(JSON.stringify(drop(ec.privateJwk)))]),
      code("rsa", [result({ "text/plain": inspect(drop(rsa.privateJwk)) })]),
      code("not a key", [stream(JSON.stringify({ n: "name", d: "2024-01-01", size: 3 }))]),
    ]);
    assert.deepEqual(findPrivateKeyMaterial(nb), [
      { cell: 1, what: 'JWK member "d"', where: "output 1" },
      ...["d", "p", "q", "dp", "dq", "qi"].map((m) => ({ cell: 2, what: `JWK member "${m}"`, where: "output 1" })),
    ]);
  });

  test("nested objects with private member names, 150,000 characters of them: linear, not quadratic", () => {
    const text = '{"d":"'.repeat(25_000);
    const t0 = performance.now();
    assert.deepEqual(findPrivateKeyMaterial(notebook([markdown(text), code("x", [stream(text)])])), []);
    const ms = performance.now() - t0;
    assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
  });
});
