// The benchmark's measuring parts on real processes: memory peaks of a process
// tree read from /proc, and the verdicts drawn from the numbers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isTslabKernel } from "../src/bench/process-tree.js";
import { targets, type Execution } from "../src/bench/report.js";
import { median, timedRun } from "../src/bench/timed-run.js";

const MiB = 1024 * 1024;

test("a watched run reports the peak memory of each descendant, kernels by their command line", { timeout: 60_000 }, async () => {
  // A parent that starts a short-lived "kernel" holding ~80 MiB, then exits after it.
  const child = `const b = Buffer.alloc(${80 * MiB}, 1); setTimeout(() => console.log(b[0]), 700);`;
  const parent = `
    const { spawn } = require("node:child_process");
    const c = spawn(process.execPath, ["-e", ${JSON.stringify(child)}, "tslab", "kernel"], { stdio: "inherit" });
    c.on("exit", () => setTimeout(() => {}, 200));`;
  const r = await timedRun({ command: process.execPath, args: ["-e", parent], cwd: process.cwd(), env: process.env, watch: true });
  assert.equal(r.code, 0, r.stderr);
  const tree = r.tree!;
  assert.ok(tree.root && tree.root.peakBytes > 10 * MiB, "the root's own peak");
  const kernels = tree.descendants.filter(isTslabKernel);
  assert.equal(kernels.length, 1, JSON.stringify(tree.descendants));
  assert.ok(kernels[0]!.peakBytes >= 80 * MiB, `kernel peak ${kernels[0]!.peakBytes / MiB} MiB`);
  assert.ok(kernels[0]!.peakBytes < tree.peakTreeBytes + 1, "the tree's peak includes the kernel");
  assert.ok(r.seconds >= 0.7);
});

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
