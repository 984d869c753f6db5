import assert from "node:assert/strict";
import { test } from "node:test";
import { NotebookError } from "../../src/execute/errors.js";
import { createReporter, outcomeLine } from "../../src/cli/progress.js";
import type { NotebookJob } from "../../src/pipeline/jobs.js";
import type { NotebookProduct } from "../../src/pipeline/build-notebook.js";
import type { Outcome } from "../../src/pipeline/run.js";

const job: NotebookJob = { path: "/p/notebooks/x.ipynb", label: "notebooks/x.ipynb", name: "x", docsDir: "/p/docs" };

function ok(status: NotebookProduct["status"], changed: string[], seconds = 4.44): Outcome {
  const product = { job, status, cells: 10 } as NotebookProduct;
  return { job, ok: true, product, seconds, changed };
}

test("the line of a built notebook: label, cells, seconds, what happened", () => {
  assert.equal(outcomeLine(ok("executed", ["a", "b", "c"]), false), "ok    notebooks/x.ipynb  10 cells  4.4 s  executed, 3 files written");
  assert.equal(outcomeLine(ok("executed", ["a"]), false), "ok    notebooks/x.ipynb  10 cells  4.4 s  executed, 1 file written");
  assert.equal(outcomeLine(ok("executed", []), false), "ok    notebooks/x.ipynb  10 cells  4.4 s  executed, no change");
  assert.equal(outcomeLine(ok("rendered", ["a"]), false), "ok    notebooks/x.ipynb  10 cells  4.4 s  rendered, 1 file written");
  assert.equal(outcomeLine(ok("unchanged", [], 0.01), false), "ok    notebooks/x.ipynb  10 cells  0.0 s  unchanged (cached)");
});

test("the line under --check: up to date, cached or not, or stale with the number of files", () => {
  assert.equal(outcomeLine(ok("executed", []), true), "ok    notebooks/x.ipynb  10 cells  4.4 s  up to date");
  assert.equal(outcomeLine(ok("unchanged", []), true), "ok    notebooks/x.ipynb  10 cells  4.4 s  up to date (cached)");
  assert.equal(outcomeLine(ok("rendered", ["d1", "d2"]), true), "ok    notebooks/x.ipynb  10 cells  4.4 s  stale (2 files)");
});

test("a failed notebook: FAIL, no cell count, its message on the next line and details only when verbose", () => {
  const error = new NotebookError(job.label, "Error: boom", "stack line 1\nstack line 2", 4, "throw boom()");
  const failed: Outcome = { job, ok: false, error, seconds: 1.25 };
  assert.equal(outcomeLine(failed, false), "FAIL  notebooks/x.ipynb  1.3 s  failed");

  const written: string[] = [];
  const sink = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const quiet = createReporter(sink, false, false);
  quiet.started(job);
  quiet.cell(job, 1, 3);
  quiet.finished(failed);
  quiet.stop();
  assert.deepEqual(written, ["FAIL  notebooks/x.ipynb  1.3 s  failed\n      notebooks/x.ipynb, cell 4: Error: boom (throw boom())\n"], "nothing live off a terminal");

  written.length = 0;
  const verbose = createReporter(sink, false, true);
  verbose.finished(failed);
  verbose.stop();
  assert.equal(written.join(""), "FAIL  notebooks/x.ipynb  1.3 s  failed\n      notebooks/x.ipynb, cell 4: Error: boom (throw boom())\n      | stack line 1\n      | stack line 2\n");
});

test("on a terminal, running notebooks have live lines that are erased before a result is printed", () => {
  const written: string[] = [];
  const tty = { isTTY: true, columns: 30, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const reporter = createReporter(tty, false, false);
  reporter.started(job);
  assert.match(written.at(-1)!, /^ {2}\d\.\d s {2}notebooks\/x\.ipynb {2}s\n$/, "cut to the terminal's width, time first");
  reporter.finished(ok("executed", []));
  reporter.stop();
  assert.ok(written.includes("\x1b[1A\x1b[J"), "the live line is erased");
  assert.match(written.join(""), /ok {4}notebooks\/x\.ipynb {2}10 cells/);
});
