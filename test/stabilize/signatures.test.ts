import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { importJWK } from "jose";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { keepStoredSignatures } from "../../src/stabilize/signatures.js";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import type { KeyRing } from "../../src/tokens/keyring.js";
import {
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
} from "../fixtures/tokens/helpers.js";
import type { PublishedTokens, TestKey } from "../fixtures/tokens/helpers.js";

const claims = { iss: "https://app.example.org", aud: "https://auth.example.org/token", exp: 1422568860, jti: "id-1" };

async function setUp(t: Parameters<typeof tempDir>[0]): Promise<{ key: TestKey; ring: KeyRing }> {
  const dir = await tempDir(t);
  const key = await makeKey("ES384", "ec-1");
  await writeJson(join(dir, "keys.json"), { keys: [key.publicJwk] });
  return { key, ring: await loadKeyRing(dir) };
}

/** A notebook as a build leaves it: a markdown cell, then code cells printing a token. */
function built(token: string, source = "console.log(assertion)", id = "c2"): INotebookContent {
  return notebook([
    markdown("# Assertion"),
    code(source, [stream(`assertion:\n${token}\n`), result({ "text/plain": `'${token}'`, "text/html": `<code>${token}</code>` })], { id }),
  ]);
}

describe("keepStoredSignatures", () => {
  test("keeps a stored valid ES384 token when header and payload are the same", async (t) => {
    const { key, ring } = await setUp(t);
    const stored = built(await sign(key, claims));
    const freshToken = await sign(key, claims);
    const fresh = built(freshToken);
    const copy = structuredClone(fresh);
    const kept = await keepStoredSignatures(fresh, stored, ring);
    assert.deepEqual(kept, stored);
    assert.deepEqual(fresh, copy, "input changed");
    assert.notEqual(kept, fresh);
  });

  test("keeps the spec's published ES384 token over a fresh signature of the same claims", async (t) => {
    const dir = await tempDir(t);
    await copyFile(join(specDir, "ES384.public.json"), join(dir, "ES384.public.json"));
    const ring = await loadKeyRing(dir);
    const published = await readSpecJson<PublishedTokens>("published-tokens.json");
    const jwk = (await readSpecJson<{ keys: Array<Record<string, unknown>> }>("ES384.private.json")).keys[1]!;
    const privateKey = (await importJWK(jwk, "ES384")) as TestKey["privateKey"];
    const fresh = await sign({ privateKey, alg: "ES384", kid: jwk.kid as string }, published.claims);
    const kept = await keepStoredSignatures(built(fresh), built(published.tokens.ES384), ring);
    assert.deepEqual(kept, built(published.tokens.ES384));
  });

  test("keeps the fresh token when the payload, the stored signature or the cell differ", async (t) => {
    const { key, ring } = await setUp(t);
    const stranger = await makeKey("ES384", "ec-1");
    const fresh = built(await sign(key, claims));
    const cases: Array<[string, INotebookContent]> = [
      ["payload differs", built(await sign(key, { ...claims, jti: "id-2" }))],
      ["stored does not verify", built(await sign(stranger, claims))],
      ["source changed", built(await sign(key, claims), "console.log(assertion);")],
      ["id changed", built(await sign(key, claims), "console.log(assertion)", "other")],
    ];
    for (const [what, stored] of cases) {
      assert.deepEqual(await keepStoredSignatures(fresh, stored, ring), fresh, what);
    }
    assert.deepEqual(await keepStoredSignatures(fresh, undefined, ring), fresh);
  });

  test("matches tokens by position within outputs of the same index and type", async (t) => {
    const { key, ring } = await setUp(t);
    const [a1, b1, a2, b2] = [
      await sign(key, { n: 1 }),
      await sign(key, { n: 2 }),
      await sign(key, { n: 1 }),
      await sign(key, { n: 2 }),
    ] as [string, string, string, string];
    const stored = notebook([code("go()", [stream(`${a1}\n${b1}\n`), stream(`${a1}\n`)])]);
    const fresh = notebook([code("go()", [stream(`${a2}\n${b2}\n`), result({ "text/plain": a2 })])]);
    assert.deepEqual(
      await keepStoredSignatures(fresh, stored, ring),
      notebook([code("go()", [stream(`${a1}\n${b1}\n`), result({ "text/plain": a2 })])]),
    );
  });
});
