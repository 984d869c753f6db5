#!/usr/bin/env node
// The docs build. A no-op build answers from the stamp its last no-op run left, when a stat of
// everything that run read shows nothing moved, before the build itself is loaded; any other
// run loads the build (src/cli/build-docs.ts).
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { stampPath, unchangedSince } from "../src/cache/noop-stamp.js";
import { findProject } from "../src/project.js";

const t0 = performance.now();
const argv = process.argv.slice(2);
const cacheDir = join(findProject(process.cwd()).root, ".cache");
const stamp = unchangedSince(cacheDir, argv, process.cwd());
if (stamp) {
  if (argv.includes("--verbose") || argv.includes("-v")) {
    const count = Object.keys(stamp.files).length + Object.keys(stamp.dirs).length;
    process.stderr.write(`build-docs: answered from ${stampPath(cacheDir)}: none of the ${count} files and folders the last no-op build read has changed\n`);
  }
  process.stdout.write(`${stamp.stdout}${stamp.summary}, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
} else {
  // TurboFan optimizes a function after a fixed budget of bytecode run; a build is one short
  // process, and at V8's default budget it optimized much that ran only at start. Eight times
  // the budget: 20% less CPU for the project's eight pages (--no-execute), 10% less for a 12 MB
  // notebook, where the hot loops still get optimized (--no-opt would cost that one 15% more).
  setFlagsFromString("--interrupt-budget=540672");
  await import("../src/cli/build-docs.js");
}
