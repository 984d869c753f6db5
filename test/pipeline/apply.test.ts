import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { staleFiles, writeProduct } from "../../src/pipeline/apply.js";
import type { NotebookProduct } from "../../src/pipeline/build-notebook.js";
import type { Project } from "../../src/project.js";
import { DocsWriter } from "../../src/write/writer.js";

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

/** A project folder whose docs/ holds a page x.md and two extracted files the build did not record writing. */
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
  const project: Project = { root, notebooksDir: join(root, "notebooks"), keysDir: join(root, "keys"), docsDir: docs, cacheFile: join(root, ".cache", "docs-build.json") };
  const product = (status: NotebookProduct["status"], options: { notebookText?: string; source?: string; images?: number } = {}): NotebookProduct => ({
    job: { path: join(root, "notebooks", "x.ipynb"), label: "notebooks/x.ipynb", name: "x", docsDir: docs },
    status,
    sourceHash: sha(options.source ?? "old notebook\n"),
    cells: 2,
    ...(options.notebookText === undefined ? {} : { notebookText: options.notebookText }),
    files: new Map([
      [join(docs, "x.md"), Buffer.from("same page\n")],
      [join(docs, "x.html"), Buffer.from("<p>new page</p>\n")],
      ...(options.images === 0 ? [] : [[join(extractDir, "x_1_0.png"), Buffer.from([0x89, 0, 1])] as [string, Buffer]]),
    ]),
    extractDir,
    summary: { name: "x", file: "x.html", title: "X", summary: "" },
    record: { inputs: "", outputs: "", notebook: "", tool: "", dir: docs, files: {}, summary: { name: "x", file: "x.html", title: "X", summary: "" }, cells: 2 },
  });
  return { root, docs, extractDir, project, product };
}

test("writeProduct writes what changed, the executed notebook included; it deletes only extracted files it recorded writing", async (t) => {
  const { root, docs, extractDir, project, product } = await scratch(t);
  const writer = await DocsWriter.open(project, () => undefined);
  const written = await writeProduct(product("executed", { notebookText: "new notebook\n" }), writer);
  assert.ok(written.includes(join(root, "notebooks", "x.ipynb")) && written.includes(join(docs, "x.html")), written.join("\n"));
  assert.ok(!written.includes(join(docs, "x.md")), "an unchanged page is not rewritten");
  assert.equal(await readFile(join(root, "notebooks", "x.ipynb"), "utf8"), "new notebook\n");
  assert.equal(await readFile(join(docs, "x.html"), "utf8"), "<p>new page</p>\n");
  assert.deepEqual(await readdir(extractDir), ["x_1_0.png", "x_2_0.png"], "x_2_0.png was never the build's: it stays");
  assert.deepEqual(await writeProduct(product("executed", { notebookText: "new notebook\n", source: "new notebook\n" }), writer), [], "a second write changes nothing");
  const pruned = await writeProduct(product("rendered", { source: "new notebook\n", images: 0 }), writer);
  assert.ok(pruned.includes(join(extractDir, "x_1_0.png")), pruned.join("\n"));
  assert.deepEqual(await readdir(extractDir), ["x_2_0.png"], "the image the build wrote and no longer makes is removed");
});

test("writeProduct of an unchanged product writes no page; a rendered one leaves the notebook", async (t) => {
  const { root, docs, project, product } = await scratch(t);
  const writer = await DocsWriter.open(project, () => undefined);
  assert.deepEqual(await writeProduct(product("unchanged"), writer), []);
  assert.equal(await readFile(join(docs, "x.html"), "utf8").catch(() => "absent"), "absent");
  await writeProduct(product("rendered"), writer);
  assert.equal(await readFile(join(root, "notebooks", "x.ipynb"), "utf8"), "old notebook\n");
});

test("staleFiles diffs each file that would change and writes nothing", async (t) => {
  const { root, docs, product } = await scratch(t);
  const diffs = await staleFiles(product("executed", { notebookText: "new notebook\n" }), root);
  assert.match(diffs.join("\n"), /--- a\/notebooks\/x\.ipynb\ton disk\n\+\+\+ b\/notebooks\/x\.ipynb\tbuilt\n@@ -1,1 \+1,1 @@\n-old notebook\n\+new notebook/);
  assert.match(diffs.join("\n"), /--- \/dev\/null\ton disk\n\+\+\+ b\/docs\/x\.html/);
  assert.equal(await readFile(join(root, "notebooks", "x.ipynb"), "utf8"), "old notebook\n");
  assert.deepEqual((await readdir(docs)).sort(), ["x.md", "x_files"]);
  // A cached page diffs nothing, but files its record does not list are stray all the same.
  assert.deepEqual(await staleFiles(product("unchanged"), root), [
    "binary file docs/x_files/x_1_0.png would be removed\n",
    "binary file docs/x_files/x_2_0.png would be removed\n",
  ]);
});
