import assert from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, notebookJson, projectRoot } from "../support/project-copy.js";

/**
 * A notebook runs next to the build's own files: one that rewrites every module of the build in
 * `dist/` (each now ends the process with exit 0 when loaded) while printing a forged token must
 * not change the build's result, since every module the build needs is loaded before it runs.
 */
describe("a notebook that rewrites the build's modules", () => {
  let copy: ProjectCopy;
  const original = notebookJson([
    [
      'import * as fs from "fs";',
      'import * as path from "path";',
      "let rewritten = 0;",
      "const walk = (dir: string): void => {",
      "  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {",
      "    const p = path.join(dir, e.name);",
      "    if (e.isDirectory()) walk(p);",
      '    else if (/\\.c?js$/.test(e.name)) { fs.appendFileSync(p, "\\n;process.stdout.write(\\"tampered module loaded\\\\n\\");process.exit(0);\\n"); rewritten++; }',
      "  }",
      "};",
      'walk("../dist");',
      'const b64 = (s: string) => Buffer.from(s).toString("base64url");',
      'console.log(`${b64(\'{"alg":"RS384","kid":"nobody"}\')}.${b64(JSON.stringify({ sub: "forged" }))}.${"c2ln".repeat(40)}`);',
      "console.log(rewritten > 50);",
    ].join("\n"),
  ]);

  /** The copy's build as compiled, undoing what the last run's notebook appended. */
  const restoreBuild = async (): Promise<void> => {
    for (const sub of ["src", "scripts"]) await cp(join(projectRoot, "dist", sub), copy.path("dist", sub), { recursive: true, force: true });
  };

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, ownBuild: true });
    await copy.write("notebooks/late.ipynb", original);
  });
  after(async () => copy?.dispose());

  test("a build still fails on the forged token, writes nothing of the notebook and runs no rewritten module", async () => {
    await restoreBuild();
    const run = await copy.run(["notebooks/late.ipynb", "--no-sandbox"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /tampered module loaded/);
    assert.match(run.stderr, /notebooks\/late\.ipynb, cell 1: token eyJ\S*… does not verify against keys\/: unknown kid "nobody"/);
    assert.match(run.stderr, /^ {2}changed dist\/src\/\S+\.js$/m);
    assert.equal(await copy.read("notebooks", "late.ipynb"), original);
    await assert.rejects(copy.read("docs", "late.md"), { code: "ENOENT" });
    assert.match(run.stdout, /^1 notebook\(s\), 1 failed, /m);
  });

  test("--check still says the token does not verify, and exits 1", async () => {
    await restoreBuild();
    const run = await copy.run(["--check", "notebooks/late.ipynb", "--no-sandbox"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout, /tampered module loaded/);
    assert.match(run.stderr, /token eyJ\S*… does not verify against keys\//);
  });
});
