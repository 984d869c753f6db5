// The benchmark's verdicts drawn from its numbers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { targets, type Execution } from "../../src/bench/report.js";
import { median } from "../../src/bench/timed-run.js";

test("targets: cold build against nbconvert, no-op time, memory per kernel", () => {
  const exec = (seconds: number, kernels: number[]): Execution => ({ seconds, exitCode: 0, processPeakMiB: 80, kernelPeaksMiB: kernels, treePeakMiB: 500 });
  const noop = { runs: [0.3], median: 0.3, min: 0.3, max: 0.3, exitCodes: [0], uncachedRuns: 0 };
  const pass = targets({ coldBuild: exec(8, [200, 240]), noopBuild: noop, nbconvert: exec(20, [200]) });
  assert.deepEqual(pass.map((t) => t.pass), [true, true, true]);
  const fail = targets({ coldBuild: exec(15, [260]), noopBuild: { ...noop, median: 0.5 }, nbconvert: exec(20, []) });
  assert.deepEqual(fail.map((t) => t.pass), [false, false, false]);
  const skipped = targets({ coldBuild: exec(15, []), noopBuild: noop, nbconvert: { skipped: "nbconvert: not installed, skipped" } });
  assert.deepEqual(skipped.map((t) => t.pass), [undefined, true, undefined]);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
});
