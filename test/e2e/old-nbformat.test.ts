import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { nbconvertMarkdown, python } from "../support/nbconvert.js";
import { ProjectCopy, projectRoot } from "../support/project-copy.js";
import { commandWorks, hasNbconvert, prerequisite } from "../support/require.js";

// nbformat's own test notebooks (nbformat 2 and 3, test/fixtures/old-nbformat/nbformat-tests/)
// through every path of the build: rendered as stored, a no-op rebuild, --check, and executed on
// Debian's python3 kernel; each compared with what Jupyter's own tools do with them.
const run = promisify(execFile);
const fixtures = join(projectRoot, "test", "fixtures", "old-nbformat", "nbformat-tests");
const VALID = ["test2", "test3"];
const INVALID: Record<string, string> = {
  test3_no_metadata: '"metadata" must be an object',
  test3_no_worksheets: '"worksheets" must be a list',
  test3_worksheet_with_no_cells: 'worksheet 1 has no "cells" list',
};
const NO_CHECKS = ["--no-checks"];

describe("nbformat's own nbformat 2 and 3 test notebooks", () => {
  let copy: ProjectCopy;
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false });
    for (const name of [...VALID, ...Object.keys(INVALID)]) await copyFile(join(fixtures, `${name}.ipynb`), copy.path("notebooks", `${name}.ipynb`));
  });
  after(async () => copy?.dispose());

  test("--no-execute renders test2 and test3 byte for byte as nbconvert does; rebuilt, they are cached; --check is clean", async (t) => {
    if (!prerequisite(t, hasNbconvert(), "jupyter-nbconvert not installed")) return;
    const notebooks = VALID.map((n) => `notebooks/${n}.ipynb`);
    const first = await copy.run(["--no-execute", ...NO_CHECKS, ...notebooks]);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const reference = await nbconvertMarkdown(VALID.map((n) => join(fixtures, `${n}.ipynb`)));
    for (const name of VALID) {
      const theirs = reference.get(name)!;
      assert.equal(await copy.read("docs", `${name}.md`), theirs.markdown.toString("utf8"), name);
      for (const [rel, content] of theirs.files) assert.ok(content.equals(await readFile(copy.path("docs", rel))), rel);
      // Rendering leaves the notebook as it was: still nbformat 2 or 3.
      assert.ok((await readFile(copy.path("notebooks", `${name}.ipynb`))).equals(await readFile(join(fixtures, `${name}.ipynb`))), name);
    }
    const again = await copy.run(["--no-execute", ...NO_CHECKS, ...notebooks]);
    assert.equal(again.code, 0, again.stderr + again.stdout);
    assert.equal((again.stdout.match(/unchanged \(cached\)/g) ?? []).length, VALID.length, again.stdout);
    const check = await copy.run(["--check", "--no-execute", ...NO_CHECKS, ...notebooks]);
    assert.equal(check.code, 0, check.stderr + check.stdout);
  });

  test("the malformed ones are refused with exit 2, saying why, as nbconvert refuses them", async (t) => {
    if (!prerequisite(t, hasNbconvert(), "jupyter-nbconvert not installed")) return;
    for (const [name, reason] of Object.entries(INVALID)) {
      const r = await copy.run(["--no-execute", ...NO_CHECKS, `notebooks/${name}.ipynb`]);
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.ok(r.stderr.includes(`notebooks/${name}.ipynb: nbformat 3 notebook cannot be read: ${reason}`), r.stderr);
      await assert.rejects(run("jupyter-nbconvert", ["--to", "markdown", "--stdout", join(fixtures, `${name}.ipynb`)]), name);
    }
  });

  test("executed, they run on python3 and stop where nbconvert --execute stops, with its error", { timeout: 300_000 }, async (t) => {
    if (!prerequisite(t, hasNbconvert() && commandWorks(python, ["-c", "import ipykernel"]), "jupyter-nbconvert or python3-ipykernel not installed")) return;
    const r = await copy.run([...NO_CHECKS, "--force", ...VALID.map((n) => `notebooks/${n}.ipynb`)]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const tmp = await mkdtemp(join(tmpdir(), "old-nbformat-"));
    try {
      for (const name of VALID) {
        // What nbclient does with the same file: the first cell whose output is an error.
        const out = join(tmp, `${name}.ipynb`);
        await run("jupyter-nbconvert", ["--to", "notebook", "--execute", "--allow-errors", "--output", out, join(fixtures, `${name}.ipynb`)], { maxBuffer: 64 << 20 });
        const executed = JSON.parse(await readFile(out, "utf8")) as INotebookContent;
        const at = executed.cells.findIndex((c) => c.cell_type === "code" && (c.outputs as { output_type: string }[]).some((o) => o.output_type === "error"));
        assert.ok(at >= 0, `${name}: nbconvert met an error`);
        const error = (executed.cells[at]!.outputs as { output_type: string; ename?: string; evalue?: string }[]).find((o) => o.output_type === "error")!;
        const line = r.stderr.split("\n").find((l) => l.startsWith(`  notebooks/${name}.ipynb, cell `));
        assert.ok(line, r.stderr);
        // The same cell and kind of error; its text may differ where it names the network: the
        // kernel sandbox has none (test3 fetches an image), so name resolution fails otherwise.
        assert.ok(line.startsWith(`  notebooks/${name}.ipynb, cell ${at + 1}: ${error.ename}: `), `${line}\nnbconvert: cell ${at + 1}: ${error.ename}: ${error.evalue}`);
        // A failed notebook is left as it was.
        assert.ok((await readFile(copy.path("notebooks", `${name}.ipynb`))).equals(await readFile(join(fixtures, `${name}.ipynb`))), name);
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
