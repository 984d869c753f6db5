import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as jose from "jose";
import { findTokens } from "../../src/tokens/find.js";
import { ProjectCopy, projectRoot, type RunResult } from "../support/project-copy.js";

// The spec's page, reproduced: the JWKS notebook's spec-keys variant. The committed page is what
// the build writes (test/build.test.ts); this checks what it shows, and the CI use of --keys.

const name = "authorization-example-jwks-and-signatures";
const specDir = join(projectRoot, "keys", "spec");

interface Published {
  claims: Record<string, unknown>;
  tokens: { RS384: string; ES384: string };
}

const published = async (): Promise<Published> => JSON.parse(await readFile(join(projectRoot, "test", "fixtures", "spec", "published-tokens.json"), "utf8")) as Published;
const tokensOf = (markdown: string, alg: string): string[] => findTokens(markdown).map((f) => f.token).filter((t) => jose.decodeProtectedHeader(t).alg === alg);
const signed = (token: string): string => token.slice(0, token.lastIndexOf("."));

describe("docs/authorization-example-jwks-and-signatures.spec-keys.md", () => {
  let page: string;
  before(async () => {
    page = await readFile(join(projectRoot, "docs", `${name}.spec-keys.md`), "utf8");
  });

  test("shows the spec's RS384 token byte for byte", async () => {
    const rs = tokensOf(page, "RS384");
    assert.ok(rs.length > 0, "an RS384 token on the page");
    for (const token of rs) assert.equal(token, (await published()).tokens.RS384);
  });

  test("shows ES384 tokens with the spec's header and payload that verify with the spec's key", async () => {
    const spec = await published();
    const key = jose.createLocalJWKSet(JSON.parse(await readFile(join(specDir, "ES384.public.json"), "utf8")) as jose.JSONWebKeySet);
    const es = tokensOf(page, "ES384");
    assert.ok(es.length > 0, "an ES384 token on the page");
    for (const token of es) {
      assert.equal(signed(token), signed(spec.tokens.ES384));
      const { payload } = await jose.compactVerify(token, key);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), spec.claims);
    }
  });

  test("says so in a sentence a cell computed, and the index links it as the spec's page, reproduced", async () => {
    assert.match(page, /\*\*The specification's page, reproduced\.\*\* .*compares its tokens with the ones the specification publishes/);
    assert.match(page, /^ {4}RS384 token: is the specification's published token, byte for byte$/m);
    assert.match(page, /^ {4}ES384 token: is the specification's published header and payload$/m);
    const index = await readFile(join(projectRoot, "docs", "index.html"), "utf8");
    assert.ok(index.includes(`<a href="${name}.spec-keys.html">the spec&#39;s page, reproduced</a>`), "index link");
  });
});

describe("a CI job rendering the page with other keys: -p keysDir=… --keys … --out-dir …", () => {
  let copy: ProjectCopy;
  let good: RunResult;
  let wrongKeys: RunResult;
  before(async () => {
    copy = await ProjectCopy.create({ warm: true });
    good = await copy.run(["-p", "keysDir=../keys/spec", "--keys", "keys/spec", "--out-dir", "out", `notebooks/${name}.ipynb`]);
    wrongKeys = await copy.run(["--keys", "keys/spec", "-p", "keysDir=../keys", "--out-dir", "wrong", `notebooks/${name}.ipynb`]);
  });
  after(async () => copy.dispose());

  test("signs with the given keys, verifies against --keys, and leaves the repository's notebook and docs alone", async () => {
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.ok(tokensOf(await copy.read("out", `${name}.md`), "RS384").includes((await published()).tokens.RS384));
    assert.equal(await copy.read("notebooks", `${name}.ipynb`), await readFile(join(projectRoot, "notebooks", `${name}.ipynb`), "utf8"));
    assert.equal(await copy.read("docs", `${name}.md`), await readFile(join(projectRoot, "docs", `${name}.md`), "utf8"));
  });

  test("fails when a token shown does not verify against the --keys folder", () => {
    assert.equal(wrongKeys.code, 1, wrongKeys.stdout + wrongKeys.stderr);
    assert.match(wrongKeys.stderr, /notebooks\/authorization-example-jwks-and-signatures\.ipynb, cell \d+: token eyJ[\w-]+… does not verify against keys\/spec\//);
  });
});

describe("a changed claim in the JWKS notebook", () => {
  let copy: ProjectCopy;
  let run: RunResult;
  let pageBefore: string;
  before(async () => {
    copy = await ProjectCopy.create({ warm: true });
    const file = `notebooks/${name}.ipynb`;
    const notebook = await copy.read(file);
    const changed = notebook.replace('jti: \\"random-non-reusable-jwt-id-123\\"', 'jti: \\"random-non-reusable-jwt-id-124\\"');
    assert.notEqual(changed, notebook, "the notebook sets the spec's jti");
    await copy.write(file, changed);
    pageBefore = await copy.read("docs", `${name}.md`);
    run = await copy.run([file]);
  });
  after(async () => copy.dispose());

  test("fails the spec-keys variant with a message naming it, and writes none of its page", async () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /spec-keys variant \(keysDir \.\.\/keys\/spec\): the RS384 token is not the specification's published token, byte for byte; the ES384 token is not the specification's published header and payload/);
    assert.equal(await copy.read("docs", `${name}.spec-keys.md`), await readFile(join(projectRoot, "docs", `${name}.spec-keys.md`), "utf8"));
  });

  test("still builds the default page, with the changed claim and the comparison it computed", async () => {
    assert.match(run.stdout, new RegExp(`^ok {4}notebooks/${name}\\.ipynb {2}`, "m"), run.stdout);
    const page = await copy.read("docs", `${name}.md`);
    assert.notEqual(page, pageBefore);
    assert.match(page, /"jti": "random-non-reusable-jwt-id-124"/);
    assert.match(page, /^ {4}RS384 token: is not the specification's published token, byte for byte$/m);
  });
});
