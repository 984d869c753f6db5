import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Project } from "../../src/project.js";
import { MANIFEST_NAME } from "../../src/write/manifest.js";
import { DocsWriter, type NotebookFiles } from "../../src/write/writer.js";

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
