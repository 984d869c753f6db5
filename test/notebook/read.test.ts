import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { NotebookReadError, parseNotebook, readNotebook } from "../../src/notebook/read.js";
import { serializeNotebook } from "../../src/notebook/serialize.js";
import { fixturesDir } from "../support/root.js";

const corpusDir = join(fixturesDir, "corpus");
const corpus = (await readdir(corpusDir)).filter((f) => f.endsWith(".ipynb")).sort();

const valid = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
const withCells = (...cells: unknown[]) => JSON.stringify({ ...valid, cells });
const mdCell = { cell_type: "markdown", id: "m", metadata: {}, source: "x" };

function readError(text: string, path = "notebooks/x.ipynb"): string {
  try {
    parseNotebook(text, path);
  } catch (err) {
    assert.ok(err instanceof NotebookReadError, `expected NotebookReadError, got ${String(err)}`);
    assert.equal(err.path, path);
    return err.message;
  }
  assert.fail("expected a NotebookReadError");
}

describe("readNotebook", () => {
  test("corpus notebooks are read as stored (lists of lines stay lists)", async () => {
    for (const file of corpus) {
      const path = join(corpusDir, file);
      const nb = await readNotebook(path);
      assert.deepEqual(nb, JSON.parse(await readFile(path, "utf8")), file);
    }
    const streams = await readNotebook(join(corpusDir, "streams.ipynb"));
    assert.deepEqual(streams.cells[4]!.source, "print('hello')");
    assert.ok(Array.isArray(streams.cells[5]!.source));
  });

  test("a missing file is a NotebookReadError naming it", async () => {
    await assert.rejects(readNotebook("/nonexistent/nb.ipynb"), (err: unknown) => {
      assert.ok(err instanceof NotebookReadError);
      assert.match(err.message, /^\/nonexistent\/nb\.ipynb: cannot read/);
      return true;
    });
  });

  test("bytes that are not UTF-8 are refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "read-"));
    try {
      const path = join(dir, "latin1.ipynb");
      await writeFile(path, Buffer.concat([Buffer.from('{"x": "'), Buffer.from([0xe9]), Buffer.from('"}')]));
      await assert.rejects(readNotebook(path), { message: `${path}: not valid UTF-8` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("parseNotebook: JSON syntax errors name file, line and column", () => {
  const cases: [string, string, string][] = [
    ["V8 gives a position", '{\n "cells": [\n  1\n  2]\n}', "notebooks/x.ipynb:4:3: invalid JSON: Expected ',' or ']' after array element"],
    ["V8 gives none (unexpected token)", '{\n "a": }', "notebooks/x.ipynb:2:7: invalid JSON: Unexpected token '}'"],
    ["V8 shortens long input", `{"cells": [1, 2, ${"x".repeat(300)}]}`, "notebooks/x.ipynb:1:18: invalid JSON: Unexpected token 'x'"],
    ["end of input", '{\n "cells": [', "notebooks/x.ipynb:2:12: invalid JSON: Unexpected end of JSON input"],
    ["empty file", "", "notebooks/x.ipynb:1:1: invalid JSON: Unexpected end of JSON input"],
    ["trailing comma", '{"a": 1,\n}', "notebooks/x.ipynb:2:1: invalid JSON: Expected double-quoted property name"],
    ["control character in a string", '{"a": "x\ty"}', "notebooks/x.ipynb:1:9: invalid JSON: Bad control character in string literal"],
    ["columns count characters", '{"é😀": 1 2}', "notebooks/x.ipynb:1:10: invalid JSON: Expected ',' or '}' after property value"],
    ["byte order mark", '\ufeff{"cells": []}', "notebooks/x.ipynb:1:1: invalid JSON: the file starts with a byte order mark (save it as UTF-8 without BOM)"],
  ];
  for (const [what, text, message] of cases) {
    test(what, () => assert.equal(readError(text), message));
  }

  test("NaN and Infinity are accepted, as Python's json accepts them", () => {
    const nb = parseNotebook('{"cells": [], "metadata": {"a": NaN, "b": -Infinity}, "nbformat": 4, "nbformat_minor": 5}', "x.ipynb");
    assert.ok(Number.isNaN(nb.metadata.a));
    assert.equal(nb.metadata.b, -Infinity);
  });

  test("a __proto__ key is kept as data", () => {
    const nb = parseNotebook('{"cells": [], "metadata": {"__proto__": {"polluted": 1}}, "nbformat": 4, "nbformat_minor": 5}', "x.ipynb");
    assert.ok(Object.hasOwn(nb.metadata, "__proto__"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.match(serializeNotebook(nb), /"__proto__": \{\n {3}"polluted": 1\n {2}\}/);
  });
});

describe("parseNotebook: structure errors say what is wrong", () => {
  const cases: [string, string, string][] = [
    ["not an object", "[]", "notebooks/x.ipynb: not a notebook (the JSON is not an object)"],
    ["no nbformat", '{"cells": []}', 'notebooks/x.ipynb: not a notebook (no "nbformat" field)'],
    ["nbformat 3 without worksheets", JSON.stringify({ ...valid, nbformat: 3 }), 'notebooks/x.ipynb: nbformat 3 notebook cannot be read: "worksheets" must be a list'],
    ["nbformat 5", JSON.stringify({ ...valid, nbformat: 5 }), "notebooks/x.ipynb: nbformat 5 is not supported (expected 2, 3 or 4)"],
    ["no minor", JSON.stringify({ ...valid, nbformat_minor: "5" }), 'notebooks/x.ipynb: "nbformat_minor" must be a number'],
    ["no metadata", JSON.stringify({ ...valid, metadata: [] }), 'notebooks/x.ipynb: "metadata" must be an object'],
    ["no cells", JSON.stringify({ ...valid, cells: {} }), 'notebooks/x.ipynb: "cells" must be an array'],
    ["cell not an object", withCells(mdCell, "cell"), "notebooks/x.ipynb, cell 2: not an object"],
    [
      "unknown cell type",
      withCells(mdCell, mdCell, { ...mdCell, cell_type: "heading" }),
      'notebooks/x.ipynb, cell 3: cell_type must be "code", "markdown" or "raw" (found "heading")',
    ],
    ["no cell type", withCells({ metadata: {}, source: "" }), 'notebooks/x.ipynb, cell 1: cell_type must be "code", "markdown" or "raw" (found null)'],
    ["source a number", withCells({ ...mdCell, source: 3 }), 'notebooks/x.ipynb, cell 1: "source" must be a string or a list of strings'],
    ["source list with a number", withCells({ ...mdCell, source: ["a", 1] }), 'notebooks/x.ipynb, cell 1: "source" must be a string or a list of strings'],
    ["cell metadata missing", withCells({ cell_type: "raw", source: "" }), 'notebooks/x.ipynb, cell 1: "metadata" must be an object'],
    [
      "code cell without outputs",
      withCells(mdCell, { cell_type: "code", execution_count: null, metadata: {}, source: "" }),
      'notebooks/x.ipynb, cell 2: code cell has no "outputs" list',
    ],
    [
      "unknown output type",
      withCells({ cell_type: "code", execution_count: null, metadata: {}, source: "", outputs: [{ output_type: "pyout" }] }),
      'notebooks/x.ipynb, cell 1: output 1: output_type must be "stream", "display_data", "execute_result" or "error" (found "pyout")',
    ],
    [
      "stream without text",
      withCells({ cell_type: "code", execution_count: 1, metadata: {}, source: "", outputs: [{ output_type: "stream", name: "stdout" }] }),
      'notebooks/x.ipynb, cell 1: output 1: stream "text" must be a string or a list of strings',
    ],
    [
      "display_data without data",
      withCells({ cell_type: "code", execution_count: 1, metadata: {}, source: "", outputs: [{ output_type: "display_data", metadata: {} }] }),
      'notebooks/x.ipynb, cell 1: output 1: display_data output has no "data" object',
    ],
    [
      "error without traceback",
      withCells({ cell_type: "code", execution_count: 1, metadata: {}, source: "", outputs: [{ output_type: "error", ename: "E", evalue: "" }] }),
      'notebooks/x.ipynb, cell 1: output 1: error output "traceback" must be a list of strings',
    ],
  ];
  for (const [what, text, message] of cases) {
    test(what, () => assert.equal(readError(text), message));
  }

  test("a valid notebook comes back unchanged", () => {
    const text = withCells(mdCell, { cell_type: "raw", metadata: { raw_mimetype: "text/html" }, source: ["a\n", "b"] });
    assert.deepEqual(parseNotebook(text, "x.ipynb"), JSON.parse(text));
  });
});
