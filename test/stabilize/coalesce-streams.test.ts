import assert from "node:assert/strict";
import { test } from "node:test";
import type { ICodeCell, INotebookContent, IOutput } from "@jupyterlab/nbformat";
import { coalesceStreams } from "../../src/stabilize/coalesce-streams.js";

const stream = (name: "stdout" | "stderr", text: string | string[]): IOutput => ({ output_type: "stream", name, text });

function notebook(...cells: IOutput[][]): INotebookContent {
  return {
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# a\r\nb" },
      ...cells.map((outputs): ICodeCell => ({ cell_type: "code", execution_count: 1, metadata: {}, outputs, source: "" })),
    ],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** The outputs of the code cells after coalescing, for a readable comparison. */
const outputsOf = (nb: INotebookContent): IOutput[][] => nb.cells.filter((c) => c.cell_type === "code").map((c) => (c as ICodeCell).outputs);

test("consecutive streams of one name merge into one output, as nbconvert writes them", () => {
  const nb = notebook([stream("stdout", "a\n"), stream("stdout", ["b", "c\n"]), stream("stdout", "d")]);
  assert.deepEqual(outputsOf(coalesceStreams(nb)), [[stream("stdout", "a\nbc\nd")]]);
});

test("a stream of the other name, or another output between, keeps streams apart", () => {
  const display: IOutput = { output_type: "display_data", data: { "text/plain": "x" }, metadata: {} };
  const nb = notebook([stream("stdout", "1\n"), stream("stderr", "2\n"), stream("stdout", "3\n"), display, stream("stdout", "4\n")]);
  assert.deepEqual(outputsOf(coalesceStreams(nb)), [[stream("stdout", "1\n"), stream("stderr", "2\n"), stream("stdout", "3\n"), display, stream("stdout", "4\n")]]);
});

test("a carriage return overwrites its line, also across merged messages; a final one is kept", () => {
  const nb = notebook([stream("stdout", "10%\r"), stream("stdout", "50%\r100%\ndone\r")]);
  assert.deepEqual(outputsOf(coalesceStreams(nb)), [[stream("stdout", "100%\ndone\r")]]);
});

test("cells are merged one by one, other cells and the input are left alone", () => {
  const nb = notebook([stream("stdout", "a")], [stream("stdout", "b")]);
  const before = structuredClone(nb);
  const out = coalesceStreams(nb);
  assert.deepEqual(outputsOf(out), [[stream("stdout", "a")], [stream("stdout", "b")]]);
  assert.deepEqual(out.cells[0], nb.cells[0], "markdown cells, \\r included, untouched");
  assert.deepEqual(nb, before, "the notebook passed in is not modified");
});
