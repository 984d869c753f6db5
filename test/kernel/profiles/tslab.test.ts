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
