import assert from "node:assert/strict";
import { test } from "node:test";
import type { ICodeCell, IOutput } from "@jupyterlab/nbformat";
import { errorText, preview, summarizeError } from "../../src/execute/summarize.js";

const cell = (source: string | string[]): ICodeCell => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });

test("errorText: stderr and error outputs, ANSI removed, stdout and data left out", () => {
  const outputs: IOutput[] = [
    { output_type: "stream", name: "stdout", text: "not this\n" },
    { output_type: "stream", name: "stderr", text: ["\u001b[31mError: boom\u001b[0m\n", "    at f\n"] },
    { output_type: "display_data", data: { "text/plain": "nor this" }, metadata: {} },
    { output_type: "error", ename: "TypeError", evalue: "x is not a function", traceback: ["\u001b[0;31mTypeError\u001b[0m: x", "  at g"] },
  ];
  assert.equal(errorText(outputs), "Error: boom\n    at f\nTypeError: x is not a function\nTypeError: x\n  at g");
});

test("summarizeError: the error line, else the first line", () => {
  assert.equal(summarizeError("some log\nRangeError: too far\n    at h"), "RangeError: too far");
  assert.equal(summarizeError("UnhandledPromiseRejection: Error: late\n"), "UnhandledPromiseRejection: Error: late");
  assert.equal(summarizeError("\n  something odd happened  \nmore"), "something odd happened");
  assert.equal(summarizeError(""), "the kernel reported an error without a message");
});

test("preview: the given line, else the first non-blank one, cut to the width", () => {
  assert.equal(preview(cell(["\n", "  const a = 1;\n", "const b: number = 'x';"])), "const a = 1;");
  assert.equal(preview(cell("a\nb\nc"), 3), "c");
  assert.equal(preview(cell("a\nb"), 9), "a", "a line past the end falls back to the first");
  assert.equal(preview(cell("x".repeat(100)), undefined, 10), "xxxxxxxxx…");
  assert.equal(preview(cell("")), "");
});
