import assert from "node:assert/strict";
import { test } from "node:test";
import type { IOutput } from "@jupyterlab/nbformat";
import { BUILT_IN_PROFILES } from "../../../src/kernel/profiles/tslab.js";

const tslab = BUILT_IN_PROFILES.tslab!();
const stderr = (text: string): IOutput[] => [{ output_type: "stream", name: "stderr", text }];

test("a TypeScript diagnostic names its line and column in the cell", () => {
  assert.deepEqual(tslab.summarizeError(stderr("2:7 - Type 'string' is not assignable to type 'number'.\n")), {
    summary: "TypeScript error at line 2, column 7: Type 'string' is not assignable to type 'number'.",
    line: 2,
  });
});

test("any other error reads as its error line, with no line in the cell", () => {
  assert.deepEqual(tslab.summarizeError(stderr("some log\nRangeError: too far\n    at h")), { summary: "RangeError: too far" });
});

test("tslab's reports of errors outside the cell's flow are recognised, not errors that mention them", () => {
  assert.equal(tslab.reportsUncaughtError!("\u001b[31mUncaughtException: Error: later\u001b[0m"), true);
  assert.equal(tslab.reportsUncaughtError!("ok\nUnhandledPromiseRejection: Error: late"), true);
  assert.equal(tslab.reportsUncaughtError!("Error: UncaughtException: in the middle"), false);
});

test("the files a stat must vouch for are those the fingerprint is read from", async () => {
  const profile = BUILT_IN_PROFILES.tslab!();
  const sources = profile.fingerprintSources!();
  const versions = await profile.fingerprint();
  for (const name of ["tslab", "@tslab/typescript-for-tslab", "jose"]) {
    assert.ok(versions[name], name);
    assert.ok(sources.files.some((f) => f.endsWith(`node_modules/${name}/package.json`)), `${name}/package.json among ${sources.files.join(", ")}`);
  }
  const patches = Object.keys(versions).filter((k) => k.startsWith("patch:")).map((k) => k.slice("patch:".length));
  assert.ok(patches.length > 0, "the project patches tslab");
  for (const patch of patches) assert.ok(sources.files.some((f) => f.endsWith(`/patches/${patch}`)), patch);
  assert.ok(sources.dirs.some((d) => d.endsWith("/patches")), "the patches folder, for a patch added");
});
