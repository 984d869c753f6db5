import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { inputsFingerprint } from "../../src/cache/fingerprint.js";
import { localImports, relativeSpecifiers } from "../../src/cache/local-imports.js";

describe("relativeSpecifiers", () => {
  test("finds import, export-from, side-effect, dynamic import and require; skips packages", () => {
    const source = [
      'import { a } from "./lib/a";',
      "import * as b from '../b';",
      'export { c } from "./c.ts";',
      'import "./d";',
      'const e = await import("./e");',
      'const f = require("./f");',
      'import * as jose from "jose";',
      'import { display } from "tslab";',
    ].join("\n");
    assert.deepEqual(relativeSpecifiers(source), ["./lib/a", "../b", "./c.ts", "./d", "./e", "./f"]);
  });
});

describe("local imports in the cache's fingerprint", () => {
  let dir: string;
  const notebook = (code: string): INotebookContent => ({
    cells: [{ cell_type: "code", source: code, metadata: {}, outputs: [], execution_count: null }],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
  const nbPath = () => join(dir, "notebooks", "x.ipynb");
  const keysDir = () => join(dir, "keys");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "local-imports-"));
    await mkdir(join(dir, "notebooks", "lib"), { recursive: true });
    await mkdir(keysDir());
    await writeFile(join(dir, "notebooks", "lib", "server.ts"), 'import { sign } from "./tokens";\nexport const s = sign;\n');
    await writeFile(join(dir, "notebooks", "lib", "tokens.ts"), "export const sign = 1;\n");
    await writeFile(join(dir, "notebooks", "lib", "unused.ts"), "export const u = 1;\n");
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("follows imports from the code cells through the imported files, without the .ts ending", async () => {
    const found = await localImports(['import { s } from "./lib/server";'], nbPath());
    assert.deepEqual(
      found.map((f) => f.path),
      [join(dir, "notebooks", "lib", "server.ts"), join(dir, "notebooks", "lib", "tokens.ts")],
    );
  });

  test("an edit to a file imported indirectly changes the fingerprint; an edit to an unused file does not", async () => {
    const nb = notebook('import { s } from "./lib/server";\nconsole.log(s);');
    const before = await inputsFingerprint(nb, nbPath(), keysDir(), {});
    await writeFile(join(dir, "notebooks", "lib", "unused.ts"), "export const u = 2;\n");
    assert.equal(await inputsFingerprint(nb, nbPath(), keysDir(), {}), before);
    await writeFile(join(dir, "notebooks", "lib", "tokens.ts"), "export const sign = 2;\n");
    assert.notEqual(await inputsFingerprint(nb, nbPath(), keysDir(), {}), before);
  });

  test("a missing import is part of the fingerprint: creating the file changes it", async () => {
    const nb = notebook('import { later } from "./lib/later";');
    const before = await inputsFingerprint(nb, nbPath(), keysDir(), {});
    await writeFile(join(dir, "notebooks", "lib", "later.ts"), "export const later = 1;\n");
    assert.notEqual(await inputsFingerprint(nb, nbPath(), keysDir(), {}), before);
  });
});
