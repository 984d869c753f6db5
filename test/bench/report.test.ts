// The benchmark's verdicts drawn from its numbers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { combine, targets, type Execution } from "../../src/bench/report.js";
import { median } from "../../src/bench/timed-run.js";

test("targets: cold build against nbconvert, no-op time through npm, memory per kernel", () => {
  const exec = (seconds: number, kernels: number[]): Execution => ({ seconds, runs: [seconds], exitCode: 0, processPeakMiB: 80, kernelPeaksMiB: kernels, treePeakMiB: 500 });
  const noop = { runs: [0.2], median: 0.2, min: 0.2, max: 0.2, exitCodes: [0], uncachedRuns: 0 };
  const pass = targets({ coldBuild: exec(8, [200, 240]), noopBuild: noop, npmNoop: { ...noop, median: 0.29 }, nbconvert: exec(20, [200]) });
  assert.deepEqual(pass.map((t) => t.pass), [true, true, true]);
  const fail = targets({ coldBuild: exec(15, [260]), noopBuild: noop, npmNoop: { ...noop, median: 0.3 }, nbconvert: exec(20, []) });
  assert.deepEqual(fail.map((t) => t.pass), [false, false, false]);
  assert.match(fail[1]!.name, /npm run docs/);
  const skipped = targets({ coldBuild: exec(15, []), noopBuild: noop, npmNoop: { skipped: "npm run docs: not found" }, nbconvert: { skipped: "nbconvert: not installed, skipped" } });
  assert.deepEqual(skipped.map((t) => t.pass), [undefined, true, undefined]);
  assert.match(skipped[1]!.name, /^no-op build/);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
});

test("rounds combine into the median time, the first failing exit code and the highest peaks", () => {
  const r = (seconds: number, code: number | null, kernels: number[]) => ({ seconds, code, processPeakMiB: seconds * 10, kernelPeaksMiB: kernels, treePeakMiB: seconds * 100 });
  const c = combine([r(9, 0, [200]), r(7, 1, [210, 190]), r(8, 0, [205])]);
  assert.equal(c.seconds, 8);
  assert.deepEqual(c.runs, [9, 7, 8]);
  assert.equal(c.exitCode, 1);
  assert.equal(c.processPeakMiB, 90);
  assert.deepEqual(c.kernelPeaksMiB, [200, 210, 190, 205]);
  assert.equal(c.treePeakMiB, 900);
});
