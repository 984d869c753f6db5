import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { parseNotebook } from "../../src/notebook/read.js";
import { renderMarkdown } from "../../src/render/markdown.js";
import { removeTaggedCells, wholeNotebook } from "../../src/render/tag-remove.js";
import { nbconvertMarkdown, type NbconvertMarkdown } from "../support/nbconvert.js";
import { projectRoot } from "../support/project-copy.js";
import { hasNbconvert, prerequisite } from "../support/require.js";

// The cell tags against the real nbconvert with TagRemovePreprocessor set to them: a notebook
// that combines every tag with every kind of cell and output, and every notebook the project
// renders or compares (its pages, the conformance corpus, old formats, Python fixtures).

const PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC";
type Json = Record<string, unknown>;
const tags = (...t: string[]): Json => ({ tags: t });
const md = (source: string, metadata: Json = {}): Json => ({ cell_type: "markdown", metadata, source });
const raw = (source: string, metadata: Json = {}): Json => ({ cell_type: "raw", metadata, source });
const code = (source: string, outputs: Json[], metadata: Json = {}): Json => ({ cell_type: "code", execution_count: 1, metadata, outputs, source });
const stream = (text: string): Json => ({ name: "stdout", output_type: "stream", text });
const png = (): Json => ({ data: { "image/png": PNG_1x1, "text/plain": "<Figure>" }, metadata: {}, output_type: "display_data" });
const result = (text: string): Json => ({ data: { "text/plain": text }, execution_count: 1, metadata: {}, output_type: "execute_result" });

/** Every tag on every kind of cell, removed cells before images (their file names count the cells left). */
const COMBINED = {
  cells: [
    md('<a id="step-1-start"></a>\n# Tags'),
    code('print("plumbing")', [stream("shown without its code\n")], tags("remove-input")),
    code("fig()", [png()], { ...tags("remove-output"), collapsed: false, scrolled: true }),
    code("server.start()", [stream("removed with its cell\n"), png()], tags("remove-cell")),
    md("a hidden note", tags("remove-input")),
    raw("raw removed", tags("remove-cell")),
    code("fig()", [stream("before\n"), png()]),
    code("quiet()", [stream("nothing of this\n")], tags("remove-input", "remove-output")),
    code("x", [result("42")], tags("remove-input")),
    code("boom()", [{ ename: "E", evalue: "v", output_type: "error", traceback: ["E: v"] }], tags("remove-input")),
    md("removed markdown", tags("remove-cell", "remove-input")),
    raw("raw hidden", tags("remove-input")),
    code("display(md)", [{ data: { "text/markdown": "**from code**", "text/plain": "<md>" }, metadata: {}, output_type: "display_data" }], tags("remove-input")),
    code("fig()", [png()], tags("remove-input")),
    code("last()", [stream("end\n")], tags("hide-input", "remove_cell")),
  ].map((c, i) => ({ id: `c${i}`, ...c })),
  metadata: { kernelspec: { display_name: "Python 3", language: "python", name: "python3" }, language_info: { name: "python" } },
  nbformat: 4,
  nbformat_minor: 5,
};

const page = (nb: INotebookContent, name: string) => renderMarkdown(removeTaggedCells(wholeNotebook(nb)).notebook, name);

describe("removeTaggedCells: nbconvert's TagRemovePreprocessor", () => {
  const nb = parseNotebook(JSON.stringify(COMBINED), "combined.ipynb");
  const view = removeTaggedCells(wholeNotebook(nb));

  test("drops remove-cell cells and says where each kept cell came from", () => {
    assert.deepEqual(view.origin, [0, 1, 2, 4, 6, 7, 8, 9, 11, 12, 13, 14]);
    assert.equal(view.notebook.cells.length, 12);
  });

  test("remove-output clears a code cell's outputs, its count and output metadata", () => {
    const cell = view.notebook.cells[2] as ICodeCell;
    assert.deepEqual(cell.outputs, []);
    assert.equal(cell.execution_count, null);
    assert.deepEqual(cell.metadata, { tags: ["remove-output"] });
  });

  test("remove-input hides the source from everything after it: marked as nbconvert marks it, and emptied", () => {
    const cell = view.notebook.cells[1] as ICodeCell & { transient?: unknown };
    assert.deepEqual(cell.transient, { remove_source: true });
    assert.equal(cell.source, "");
    assert.equal((cell.outputs[0] as { text: string }).text, "shown without its code\n");
  });

  test("the executed notebook itself is left whole", () => {
    assert.equal(nb.cells.length, COMBINED.cells.length);
    assert.equal((nb.cells[1] as ICodeCell).source, 'print("plumbing")');
    assert.equal((nb.cells[2] as ICodeCell).outputs.length, 1);
  });

  test("the page shows the outputs of hidden inputs, and nothing of removed cells", () => {
    const { markdown, files } = page(nb, "combined");
    assert.match(markdown, /shown without its code/);
    assert.doesNotMatch(markdown, /plumbing|removed with its cell|a hidden note|raw removed|nothing of this|removed markdown|raw hidden/);
    assert.match(markdown, /<a id="step-1-start"><\/a>/);
    // The image after the removed cells is named by its position among the cells left.
    assert.deepEqual([...files.keys()].sort(), ["combined_files/combined_10_0.png", "combined_files/combined_4_1.png"]);
  });
});

describe("the page equals nbconvert --to markdown with TagRemovePreprocessor, byte for byte", () => {
  const available = hasNbconvert();
  let tmp: string;
  let notebooks: string[] = [];
  let theirs: Map<string, NbconvertMarkdown>;

  before(async () => {
    if (!available) return;
    tmp = await mkdtemp(join(tmpdir(), "tag-remove-"));
    const combined = join(tmp, "combined.ipynb");
    await writeFile(combined, JSON.stringify(COMBINED));
    const under = async (dir: string): Promise<string[]> =>
      (await readdir(join(projectRoot, dir))).filter((f) => f.endsWith(".ipynb")).map((f) => join(projectRoot, dir, f));
    notebooks = [
      combined,
      ...(await under("notebooks")),
      ...(await under("test/fixtures/corpus")),
      ...(await under("test/fixtures/old-nbformat")),
      ...(await under("test/fixtures/python")),
    ];
    theirs = await nbconvertMarkdown(notebooks, { removeTags: true });
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test("every notebook: same Markdown, same extracted files", async (t) => {
    if (!prerequisite(t, available, "jupyter-nbconvert not installed")) return;
    assert.ok(notebooks.length > 20, `${notebooks.length} notebooks compared`);
    for (const path of notebooks) {
      const name = path.slice(path.lastIndexOf("/") + 1, -".ipynb".length);
      const ours = page(parseNotebook(await readFile(path, "utf8"), path), name);
      const reference = theirs.get(name)!;
      assert.equal(ours.markdown, reference.markdown.toString("utf8"), `${name}: Markdown differs from nbconvert's`);
      assert.deepEqual([...ours.files.keys()].sort(), [...reference.files.keys()].sort(), `${name}: extracted file names`);
      for (const [rel, bytes] of reference.files) assert.ok(ours.files.get(rel)!.equals(bytes), `${name}: ${rel}`);
    }
  });

  test("the tags change the corpus pages that carry them, so the comparison above can fail", async (t) => {
    if (!prerequisite(t, available, "jupyter-nbconvert not installed")) return;
    for (const name of ["errors-and-tags", "markdown-cells", "combined"]) {
      const path = notebooks.find((p) => p.endsWith(`/${name}.ipynb`))!;
      const untagged = renderMarkdown(parseNotebook(await readFile(path, "utf8"), path), name).markdown;
      assert.notEqual(untagged, theirs.get(name)!.markdown.toString("utf8"), name);
    }
  });
});
