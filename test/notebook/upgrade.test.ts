import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { parseNotebook } from "../../src/notebook/read.js";
import { serializeNotebook } from "../../src/notebook/serialize.js";
import { renderMarkdown } from "../../src/render/markdown.js";
import { nbconvertMarkdown } from "../support/nbconvert.js";
import { projectRoot } from "../support/project-copy.js";
import { hasNbconvert, prerequisite } from "../support/require.js";

const dir = join(projectRoot, "test", "fixtures", "old-nbformat");
const names = ["nbformat2", "nbformat3"];

test("nbformat 2 and 3 notebooks render byte for byte as nbconvert renders them, images included", async (t) => {
  if (!prerequisite(t, hasNbconvert(), "jupyter-nbconvert not installed")) return;
  const reference = await nbconvertMarkdown(names.map((n) => join(dir, `${n}.ipynb`)));
  for (const name of names) {
    const nb = parseNotebook(await readFile(join(dir, `${name}.ipynb`), "utf8"), name);
    const ours = renderMarkdown(nb, name);
    const theirs = reference.get(name)!;
    assert.equal(ours.markdown, theirs.markdown.toString("utf8"), name);
    assert.deepEqual([...ours.files.keys()].sort(), [...theirs.files.keys()].sort(), name);
    for (const [rel, content] of theirs.files) assert.ok(content.equals(ours.files.get(rel)!), rel);
  }
});

test("an upgraded notebook is nbformat 4.4: headings become markdown, pyout becomes execute_result, no worksheets, no random ids", async () => {
  const nb = parseNotebook(await readFile(join(dir, "nbformat3.ipynb"), "utf8"), "nbformat3");
  const text = serializeNotebook(nb);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 4);
  assert.deepEqual(nb.cells.map((c) => c.cell_type), ["markdown", "markdown", "markdown", "code", "code", "code", "raw"]);
  assert.equal(nb.cells[2]!.source, "## Section two");
  assert.doesNotMatch(text, /"worksheets"|"pyout"|"pyerr"|"prompt_number"|"id"|"orig_nbformat"|"name": "old"/);
  assert.match(text, /"output_type": "execute_result"/);
  assert.match(text, /"image\/png": "iVBOR/);
  // Written and read again, it is the same nbformat 4 notebook.
  assert.equal(serializeNotebook(parseNotebook(text, "again")), text);
});

test("an nbformat 3 file without worksheets is refused, saying why", () => {
  assert.throws(() => parseNotebook(JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {} }), "x.ipynb"), {
    message: 'x.ipynb: nbformat 3 notebook cannot be read: "worksheets" must be a list',
  });
});
