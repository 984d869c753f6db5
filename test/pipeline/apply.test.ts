import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { staleFiles, writeProduct } from "../../src/pipeline/apply.js";
import type { NotebookProduct } from "../../src/pipeline/build-notebook.js";

/** A project folder whose docs/ holds a page x.md and two extracted files, one of them no longer produced. */
async function scratch(t: TestContext) {
  const root = await mkdtemp(join(tmpdir(), "apply-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const docs = join(root, "docs");
  const extractDir = join(docs, "x_files");
  await mkdir(extractDir, { recursive: true });
  await mkdir(join(root, "notebooks"));
  await writeFile(join(root, "notebooks", "x.ipynb"), "old notebook\n");
  await writeFile(join(docs, "x.md"), "same page\n");
  await writeFile(join(extractDir, "x_1_0.png"), Buffer.from([0x89, 0, 1]));
  await writeFile(join(extractDir, "x_2_0.png"), Buffer.from([0x89, 0, 2]));
  const product = (status: NotebookProduct["status"], notebookText?: string): NotebookProduct => ({
    job: { path: join(root, "notebooks", "x.ipynb"), label: "notebooks/x.ipynb", name: "x", docsDir: docs },
    status,
    cells: 2,
    ...(notebookText === undefined ? {} : { notebookText }),
    files: new Map([
      [join(docs, "x.md"), Buffer.from("same page\n")],
      [join(docs, "x.html"), Buffer.from("<p>new page</p>\n")],
      [join(extractDir, "x_1_0.png"), Buffer.from([0x89, 0, 1])],
    ]),
    extractDir,
    summary: { name: "x", file: "x.html", title: "X", summary: "" },
    record: { inputs: "", outputs: "", notebook: "", tool: "", files: {}, summary: { name: "x", file: "x.html", title: "X", summary: "" }, cells: 2 },
  });
  return { root, docs, extractDir, product };
}

test("writeProduct writes what changed, the executed notebook included, and prunes extracted files no longer produced", async (t) => {
  const { root, docs, extractDir, product } = await scratch(t);
  const written = await writeProduct(product("executed", "new notebook\n"));
  assert.deepEqual(written.sort(), [join(root, "notebooks", "x.ipynb"), join(docs, "x.html"), join(extractDir, "x_2_0.png")].sort());
  assert.equal(await readFile(join(root, "notebooks", "x.ipynb"), "utf8"), "new notebook\n");
  assert.equal(await readFile(join(docs, "x.html"), "utf8"), "<p>new page</p>\n");
  assert.deepEqual(await readdir(extractDir), ["x_1_0.png"]);
  assert.deepEqual(await writeProduct(product("executed", "new notebook\n")), [], "a second write changes nothing");
});

test("writeProduct of an unchanged product touches nothing; a rendered one leaves the notebook", async (t) => {
  const { root, docs, product } = await scratch(t);
  assert.deepEqual(await writeProduct(product("unchanged")), []);
  assert.equal(await readFile(join(docs, "x.html"), "utf8").catch(() => "absent"), "absent");
  await writeProduct(product("rendered"));
  assert.equal(await readFile(join(root, "notebooks", "x.ipynb"), "utf8"), "old notebook\n");
});

test("staleFiles diffs each file that would change, names files that would be removed, and writes nothing", async (t) => {
  const { root, docs, product } = await scratch(t);
  const diffs = await staleFiles(product("executed", "new notebook\n"), root);
  assert.equal(diffs.length, 3, diffs.join("\n"));
  assert.match(diffs.join("\n"), /--- a\/notebooks\/x\.ipynb\tcommitted\n\+\+\+ b\/notebooks\/x\.ipynb\tbuilt\n@@ -1,1 \+1,1 @@\n-old notebook\n\+new notebook/);
  assert.match(diffs.join("\n"), /--- \/dev\/null\tcommitted\n\+\+\+ b\/docs\/x\.html/);
  assert.match(diffs.join("\n"), /binary file docs\/x_files\/x_2_0\.png would be removed/);
  assert.equal(await readFile(join(root, "notebooks", "x.ipynb"), "utf8"), "old notebook\n");
  assert.deepEqual((await readdir(docs)).sort(), ["x.md", "x_files"]);
  assert.deepEqual(await staleFiles(product("unchanged"), root), []);
});
