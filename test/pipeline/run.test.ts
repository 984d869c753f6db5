import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test, type TestContext } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { jobFor } from "../../src/pipeline/jobs.js";
import { runBuild, type Outcome, type RunOptions } from "../../src/pipeline/run.js";
import type { Project } from "../../src/project.js";
import { notebookJson, projectRoot, snapshot } from "../support/project-copy.js";

// The pipeline in-process, for what needs no kernel: notebooks that cannot be read or name a
// kernel the build does not run fail before any kernel starts, with exit 2 and one line naming
// the notebook; rendering stored outputs and the cache need no kernel either.

const PREVIOUS = { md: "# The page as committed\n", html: "<p>The page as committed</p>\n" };

/** A scratch project with the project's keys and the given notebooks, each with a committed page. */
async function scratchProject(t: TestContext, notebooks: Record<string, string>): Promise<Project> {
  const root = await mkdtemp(join(tmpdir(), "pipeline-run-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const project: Project = {
    root,
    notebooksDir: join(root, "notebooks"),
    keysDir: join(root, "keys"),
    docsDir: join(root, "docs"),
    cacheFile: join(root, ".cache", "docs-build.json"),
  };
  await cp(join(projectRoot, "keys"), project.keysDir, { recursive: true });
  await mkdir(project.notebooksDir, { recursive: true });
  await mkdir(project.docsDir, { recursive: true });
  for (const [name, text] of Object.entries(notebooks)) {
    await writeFile(join(project.notebooksDir, `${name}.ipynb`), text);
    await writeFile(join(project.docsDir, `${name}.md`), PREVIOUS.md);
    await writeFile(join(project.docsDir, `${name}.html`), PREVIOUS.html);
  }
  return project;
}

/** runBuild on the named notebooks, with a reporter that records what it was told. */
async function build(project: Project, names: string[], options: Partial<RunOptions> = {}) {
  const finished: Outcome[] = [];
  const cells: string[] = [];
  const result = await runBuild({
    project,
    jobs: names.map((n) => jobFor(join(project.notebooksDir, `${n}.ipynb`), project)),
    execute: true,
    force: false,
    check: false,
    timeoutMs: 30_000,
    maxTextLength: 1_000_000,
    parallel: 2,
    checks: true,
    signal: new AbortController().signal,
    reporter: {
      started: () => undefined,
      cell: (job, cell) => cells.push(`${job.label} ${cell}`),
      finished: (o) => finished.push(o),
    },
    ...options,
  });
  return { ...result, finished, cells };
}

/** The error line of each failed notebook, by label. */
function failures(outcomes: Outcome[]): Record<string, string> {
  return Object.fromEntries(outcomes.flatMap((o) => (o.ok ? [] : [[o.job.label, o.error.message]])));
}

/** Runs the failing build and checks what every unreadable notebook must leave: exit 2, pages as they were. */
async function assertRefused(t: TestContext, notebooks: Record<string, string>, expected: Record<string, RegExp>): Promise<void> {
  const project = await scratchProject(t, notebooks);
  const before = await snapshot(project.root);
  const result = await build(project, Object.keys(notebooks));
  const lines = failures(result.outcomes);
  assert.deepEqual(Object.keys(lines).sort(), Object.keys(expected).map((n) => `notebooks/${n}.ipynb`).sort(), JSON.stringify(lines));
  for (const [name, pattern] of Object.entries(expected)) {
    const label = `notebooks/${name}.ipynb`;
    assert.match(lines[label]!, pattern, `${label}: the line the user reads`);
    const outcome = result.outcomes.find((o) => o.job.label === label)!;
    assert.ok(!outcome.ok && outcome.error.exitStatus === 2, `${label}: a usage error`);
  }
  assert.equal(result.exitCode, 2, "an unreadable notebook is a usage error");
  assert.deepEqual(result.cells, [], "no cell ran");
  assert.equal(result.finished.length, result.outcomes.length, "the reporter hears of every notebook");
  // Only the index (it lists the pages that exist) and the build's cache may be written.
  const after = await snapshot(project.root);
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
  const mayChange = [project.cacheFile, join(project.docsDir, "index.html")];
  assert.deepEqual(changed.filter((k) => !mayChange.includes(k)), [], "the notebooks and their pages stay as they were");
}

describe("runBuild refuses notebooks it cannot run, before any kernel starts", { concurrency: true }, () => {
  test("a notebook that is not JSON: exit 2, file, line and column named", async (t) => {
    await assertRefused(t, { x: '{\n "cells": [\n  {"cell_type": "code",, "source": "1"}\n ]\n}\n' }, {
      x: /^notebooks\/x\.ipynb:3:24: invalid JSON: .+/,
    });
  });

  test("JSON that is not an nbformat 4 notebook: exit 2, says what is wrong", async (t) => {
    const notebook = JSON.parse(notebookJson(["1"])) as INotebookContent;
    delete (notebook.cells[0] as Partial<ICodeCell>).outputs;
    await assertRefused(t, { x: JSON.stringify(notebook), y: JSON.stringify({ nbformat: 3, cells: [] }) }, {
      x: /^notebooks\/x\.ipynb, cell 1: code cell has no "outputs" list$/,
      y: /^notebooks\/y\.ipynb: nbformat 3 notebook cannot be read: "metadata" must be an object$/,
    });
  });

  test("an unknown kernel: exit 2, the kernel named", async (t) => {
    const deno = notebookJson(["1"], { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } });
    await assertRefused(t, { x: deno }, { x: /^notebooks\/x\.ipynb: kernel "deno" not found: not built in \(tslab, jslab\) and no kernels\/deno\/kernel\.json in .*\/usr\/share\/jupyter$/ });
  });

  test("a notebook without a kernelspec: exit 2, says so", async (t) => {
    const bare = JSON.stringify({ ...(JSON.parse(notebookJson(["1"])) as INotebookContent), metadata: {} });
    await assertRefused(t, { x: bare }, { x: /^notebooks\/x\.ipynb: no kernelspec in the notebook's metadata$/ });
  });

  test("a missing notebook: exit 2, named", async (t) => {
    const project = await scratchProject(t, {});
    const result = await build(project, ["missing"]);
    assert.equal(result.exitCode, 2);
    assert.deepEqual(failures(result.outcomes), { "notebooks/missing.ipynb": "notebooks/missing.ipynb: cannot read the notebook: no such file" });
  });
});

describe("runBuild without executing", () => {
  /** A notebook whose stored output is a stream, as a kernel left it. */
  const stored = (): string => {
    const nb = JSON.parse(notebookJson(['console.log("stored")'])) as INotebookContent;
    const cell = nb.cells[0] as ICodeCell;
    cell.execution_count = 1;
    cell.outputs = [{ output_type: "stream", name: "stdout", text: ["stored output\n"] }];
    return JSON.stringify(nb, null, 1) + "\n";
  };

  test("renders the stored outputs, leaves the notebook as it is, then finds nothing to do", async (t) => {
    const project = await scratchProject(t, { page: stored() });
    const notebookBefore = await readFile(join(project.notebooksDir, "page.ipynb"), "utf8");
    const first = await build(project, ["page"], { execute: false });
    assert.equal(first.exitCode, 0, JSON.stringify(failures(first.outcomes)));
    const [outcome] = first.outcomes;
    assert.ok(outcome?.ok);
    assert.equal(outcome.product.status, "rendered");
    assert.deepEqual(first.cells, [], "no cell ran");
    assert.match(await readFile(join(project.docsDir, "page.md"), "utf8"), /^ {4}stored output$/m);
    assert.match(await readFile(join(project.docsDir, "index.html"), "utf8"), /page\.html/);
    assert.equal(await readFile(join(project.notebooksDir, "page.ipynb"), "utf8"), notebookBefore);

    const again = await build(project, ["page"], { execute: false });
    assert.ok(again.outcomes[0]?.ok);
    assert.equal(again.outcomes[0].product.status, "unchanged");
    assert.deepEqual(again.outcomes[0].changed, []);
  });

  test("building some notebooks without a cache keeps the others' pages in the index", async (t) => {
    const project = await scratchProject(t, { a: stored(), b: stored() });
    await writeFile(join(project.docsDir, "b.md"), "# The b page\n\nWhat b shows.\n");
    const result = await build(project, ["a"], { execute: false });
    assert.equal(result.exitCode, 0, JSON.stringify(failures(result.outcomes)));
    const index = await readFile(join(project.docsDir, "index.html"), "utf8");
    assert.match(index, /<a href="a\.html">/);
    assert.match(index, /<a href="b\.html">The b page<\/a>\n<p>What b shows\.<\/p>/);
  });

  test("with check, reports a stale page as a diff, writes nothing and exits 1", async (t) => {
    const project = await scratchProject(t, { page: stored() });
    const before = await snapshot(project.root);
    const result = await build(project, ["page"], { execute: false, check: true });
    assert.equal(result.exitCode, 1);
    assert.ok(result.stale.some((d) => d.includes("--- a/docs/page.md") && d.includes("-# The page as committed")), result.stale.join("\n"));
    assert.deepEqual(await snapshot(project.root), before);
  });

  test("a stopped build starts no notebook and exits 130 or 143 by the signal", async (t) => {
    const project = await scratchProject(t, { page: stored() });
    const controller = new AbortController();
    controller.abort("SIGTERM");
    const result = await build(project, ["page"], { signal: controller.signal });
    assert.equal(result.exitCode, 143);
    assert.deepEqual(failures(result.outcomes), { "notebooks/page.ipynb": "notebooks/page.ipynb: build stopped before the notebook started" });
  });
});
