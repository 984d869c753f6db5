import assert from "node:assert/strict";
import { test } from "node:test";
import { cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as jose from "jose";
import { findTokens } from "../../src/tokens/find.js";
import { ProjectCopy, projectRoot } from "../support/project-copy.js";

const specDir = join(projectRoot, "keys", "spec");
const publishedTokens = join(projectRoot, "test", "fixtures", "spec", "published-tokens.json");
const notebook = "authorization-example-jwks-and-signatures";

interface Published {
  claims: Record<string, unknown>;
  tokens: { RS384: string; ES384: string };
}

const segments = (token: string): string[] => token.split(".");

test("the notebook reproduces the spec's published tokens from the spec's keys", async () => {
  const copy = await ProjectCopy.create();
  try {
    // The spec's key files in place of the project's; keys/spec/ stays for the spec-keys variant.
    for (const file of ["RS384.private.json", "RS384.public.json", "ES384.private.json", "ES384.public.json"]) {
      await cp(join(specDir, file), copy.path("keys", file));
    }
    const published = JSON.parse(await readFile(publishedTokens, "utf8")) as Published;

    const run = await copy.run([`notebooks/${notebook}.ipynb`]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const markdown = await copy.read("docs", `${notebook}.md`);
    const tokens = findTokens(markdown).map((f) => f.token);
    const byAlg = (alg: string): string[] => tokens.filter((tk) => jose.decodeProtectedHeader(tk).alg === alg);

    // RSASSA-PKCS1-v1_5 is deterministic: byte for byte.
    assert.ok(byAlg("RS384").length > 0, "an RS384 token on the page");
    assert.ok(byAlg("RS384").includes(published.tokens.RS384), `page shows ${byAlg("RS384")[0]}\nspec has  ${published.tokens.RS384}`);

    // ECDSA is randomized: same header and payload, and the signature verifies.
    const es = byAlg("ES384");
    assert.ok(es.length > 0, "an ES384 token on the page");
    const publicKeys = jose.createLocalJWKSet(JSON.parse(await readFile(join(specDir, "ES384.public.json"), "utf8")));
    for (const token of es) {
      assert.deepEqual(segments(token).slice(0, 2), segments(published.tokens.ES384).slice(0, 2));
      const { payload } = await jose.compactVerify(token, publicKeys);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), published.claims);
    }
  } finally {
    await copy.dispose();
  }
});
