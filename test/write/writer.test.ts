import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Project } from "../../src/project.js";
import { MANIFEST_NAME } from "../../src/write/manifest.js";
import { DocsWriter, journalPathOf, type NotebookFiles } from "../../src/write/writer.js";

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

describe("DocsWriter: deletes only what its builds wrote", () => {
  let dir: string;
  let project: Project;
  let writer: DocsWriter;
  const warnings: string[] = [];
  const notebook = "notebook v1";

  const files = (pages: Record<string, string>, text?: string): NotebookFiles => ({
    label: "notebooks/guide.ipynb",
    notebookPath: join(dir, "notebooks/guide.ipynb"),
    sourceHash: sha256(notebook),
    ...(text === undefined ? {} : { notebookText: text }),
    pages: new Map(Object.entries(pages).map(([rel, content]) => [join(dir, "docs", rel), Buffer.from(content)])),
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "writer-"));
    project = { root: dir, notebooksDir: join(dir, "notebooks"), keysDir: join(dir, "keys"), docsDir: join(dir, "docs"), cacheFile: join(dir, ".cache/docs-build.json") };
    await mkdir(join(dir, "notebooks"), { recursive: true });
    await mkdir(join(dir, "docs/guide_files"), { recursive: true });
    await writeFile(join(dir, "notebooks/guide.ipynb"), notebook);
    // The author's own files beside the pages, one inside the files folder.
    await writeFile(join(dir, "docs/README.md"), "hand-written");
    await writeFile(join(dir, "docs/CNAME"), "example.org");
    await writeFile(join(dir, "docs/guide_files/notes.txt"), "the author's");
    writer = await DocsWriter.open(project, (l) => warnings.push(l));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("writes a page with extracted files in a subfolder and records them in a stable manifest", async () => {
    await writer.commitNotebook(files({ "guide.md": "md", "guide.html": "html", "guide_files/figures/plot.png": "png", "guide_files/guide_1_0.png": "one" }, "notebook v2"));
    assert.equal(await readFile(join(dir, "notebooks/guide.ipynb"), "utf8"), "notebook v2");
    assert.equal(await readFile(join(dir, "docs", MANIFEST_NAME), "utf8"), JSON.stringify({
      generator: "build-docs",
      pages: { "notebooks/guide.ipynb": ["guide.html", "guide.md", "guide_files/figures/plot.png", "guide_files/guide_1_0.png"] },
    }, null, 1) + "\n");
    assert.deepEqual(warnings, []);
  });

  test("a rebuild removes the extracted file it no longer makes, and nothing of the author's", async () => {
    const again = await DocsWriter.open(project, (l) => warnings.push(l));
    await writeFile(join(dir, "notebooks/guide.ipynb"), notebook);
    const written = await again.commitNotebook(files({ "guide.md": "md", "guide.html": "html", "guide_files/figures/plot.png": "png" }));
    assert.deepEqual(written, [join(dir, "docs/guide_files/guide_1_0.png")]);
    assert.deepEqual((await readdir(join(dir, "docs/guide_files"), { recursive: true })).sort(), ["figures", "figures/plot.png", "notes.txt"]);
    assert.equal(await readFile(join(dir, "docs/README.md"), "utf8"), "hand-written");
    assert.equal(await readFile(join(dir, "docs/CNAME"), "utf8"), "example.org");
  });

  test("a notebook changed on disk since it was read: nothing written, ERR_NOTEBOOK_CHANGED", async () => {
    await writeFile(join(dir, "notebooks/guide.ipynb"), "saved in Jupyter meanwhile");
    await assert.rejects(writer.commitNotebook(files({ "guide.md": "other md", "guide.html": "other html" }, "executed")), (e: Error & { code?: string; exitStatus?: number }) => {
      assert.equal(e.code, "ERR_NOTEBOOK_CHANGED");
      assert.equal(e.exitStatus, 1);
      assert.match(e.message, /notebooks\/guide\.ipynb: the notebook changed during the build/);
      return true;
    });
    assert.equal(await readFile(join(dir, "notebooks/guide.ipynb"), "utf8"), "saved in Jupyter meanwhile");
    assert.equal(await readFile(join(dir, "docs/guide.md"), "utf8"), "md");
  });

  test("pages of a notebook that is gone are removed, the author's files stay", async () => {
    await rm(join(dir, "notebooks/guide.ipynb"));
    const removed = await writer.removeOrphans();
    assert.deepEqual(removed.sort(), ["guide.html", "guide.md", "guide_files/figures/plot.png"].map((p) => join(dir, "docs", p)));
    assert.deepEqual((await readdir(join(dir, "docs"), { recursive: true })).sort(), [MANIFEST_NAME, "CNAME", "README.md", "guide_files", "guide_files/notes.txt"].sort());
  });

  test("an unreadable manifest deletes nothing and says so once", async () => {
    await writeFile(join(dir, "docs", MANIFEST_NAME), "{ not json");
    const lines: string[] = [];
    await DocsWriter.open(project, (l) => lines.push(l));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /\.docs-manifest\.json is not a manifest the build wrote/);
  });
});

describe("DocsWriter: the unfinished unit of a build into another docs folder", () => {
  let dir: string;
  after(async () => rm(dir, { recursive: true, force: true }));

  test("is kept and named by a build into docs/, and finished by the next build into its folder", async () => {
    dir = await mkdtemp(join(tmpdir(), "writer-outdir-"));
    const out = join(dir, "site");
    const projectOf = (docsDir: string): Project => ({ root: dir, notebooksDir: join(dir, "notebooks"), keysDir: join(dir, "keys"), docsDir, cacheFile: join(dir, ".cache/docs-build.json") });
    const outProject = projectOf(out);
    const docsProject = projectOf(join(dir, "docs"));
    await mkdir(join(dir, "notebooks"), { recursive: true });
    await mkdir(join(dir, "docs"), { recursive: true });
    await mkdir(join(dir, ".cache"), { recursive: true });
    await mkdir(out);
    await writeFile(join(out, "guide.md"), "old md");
    // What an --out-dir build killed between its renames leaves: one page renamed, the other's
    // complete temporary, its journal.
    const temp = join(out, ".guide.html.4242-0a0b0c0d.docs-tmp");
    await writeFile(temp, "new html");
    const journal = journalPathOf(outProject);
    assert.notEqual(journal, journalPathOf(docsProject));
    await writeFile(journal, JSON.stringify({ version: 1, phase: "committing", renames: [{ temp, target: join(out, "guide.html"), backup: join(out, ".guide.html.4242-0a0b0c0d.docs-bak") }], deletes: [] }));

    const warnings: string[] = [];
    await DocsWriter.open(docsProject, (l) => warnings.push(l));
    assert.deepEqual(warnings, [`a build into site was stopped while writing (.cache/${journal.split("/").pop()}); the next build into that folder finishes or undoes it`]);
    assert.equal(await readFile(journal, "utf8").then(() => "kept"), "kept");
    assert.equal(await readFile(temp, "utf8"), "new html");

    warnings.length = 0;
    await DocsWriter.open(outProject, (l) => warnings.push(l));
    assert.deepEqual(warnings, ["finished a write a previous build was stopped in (1 file(s))"]);
    assert.deepEqual((await readdir(out)).sort(), ["guide.html", "guide.md"]);
    assert.deepEqual((await readdir(join(dir, ".cache"))), []);
  });
});
