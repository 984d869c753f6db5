import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pythonFloatRepr } from "../../src/notebook/json-numbers.js";
import { splitLinesKeepEnds } from "../../src/notebook/lines.js";
import { parseNotebook } from "../../src/notebook/read.js";
import { serializeNotebook } from "../../src/notebook/serialize.js";
import { hasNbformat, nbformatResults, type NbformatResults } from "../support/nbconvert.js";
import { prerequisite } from "../support/require.js";
import { fixturesDir } from "../support/root.js";

const corpusDir = join(fixturesDir, "corpus");
const corpus = (await readdir(corpusDir)).filter((f) => f.endsWith(".ipynb")).sort();

const md = (id: string, source: unknown, metadata: object = {}) => ({ cell_type: "markdown", id, metadata, source });
const code = (id: string, source: unknown, outputs: unknown[], metadata: object = {}) => ({
  cell_type: "code",
  execution_count: 1,
  id,
  metadata,
  outputs,
  source,
});
const notebook = (cells: unknown[], metadata: object = {}, minor = 5) => ({ cells, metadata, nbformat: 4, nbformat_minor: minor });

/** Notebooks stored in ways nbformat rewrites; each is JSON text as found on disk. */
const madeUp: Record<string, string> = {
  "line-breaks-and-unicode": JSON.stringify(
    notebook([
      md("a", "crlf\r\nlone cr\rline sep\u2028para sep\u2029nel\x85vt\x0bff\x0cfs\x1cgs\x1drs\x1eus\x1fend"),
      md("b", ["Ünïcödé “quotes” 日本語 🚀 e\u0301 a/b c\\d\n", "controls \x00\x01\x08\x7f tab\t", "\u00a0nbsp"]),
      code("c", "print('a\\rb')\r\n", [
        { name: "stdout", output_type: "stream", text: "10%\r50%\r100%\r\ndone\r\n" },
        { data: { "text/plain": "line\r\nnext\rlast" }, execution_count: 1, metadata: {}, output_type: "execute_result" },
      ]),
    ]),
  ),
  // Python keeps 1.0 a float, big ints exact, accepts NaN/Infinity, and sorts keys by code point.
  numbers: `{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {
    "floats": [1.0, -0.0, 0.5, 1e-05, 1E+2, 2.5e16, 1e400, -1e400, NaN, Infinity, 3.14159, 1e22, 1e-7, 0.0001, 5e-324, 100000000000000000000000.0],
    "ints": [0, -0, 12345678901234567890, -98765432109876543210, 9007199254740993, 42],
    "keys": {"b": 1, "a": 2, "B": 3, "é": 4, "😀": 5, "\\uffff": 6, "_": 7, "10": 8, "9": 9, "": 10},
    "dup": {"x": 1.0, "x": 1}
  }}`,
  transient: JSON.stringify(
    notebook([md("a", "x", { trusted: true, tags: ["kept"] })], {
      orig_nbformat: 3,
      orig_nbformat_minor: 0,
      signature: "sha256:00",
      kept: true,
    }),
  ),
  "mime-shapes": JSON.stringify(
    notebook([
      {
        ...md("a", ["![x](attachment:x.png)"]),
        attachments: { "x.png": { "image/png": ["iVBORw0KGgo=\n"], "text/plain": "alt\ntext" } },
      },
      code("b", [], [
        {
          data: {
            "image/png": ["iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n", "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n"],
            "application/json": ["a", "b"],
            "application/vnd.custom+json": { nested: { list: [1, 2.5] } },
            "application/javascript": "console.log(1);\nconsole.log(2);\n",
            "image/svg+xml": "<svg>\n</svg>\n",
            "application/pdf": ["JVBE", "Ri0x"],
            "text/plain": [],
            "text/html": "<p>a</p>\n<p>b</p>",
            "text/x-custom": "one\ntwo",
          },
          metadata: { "image/png": { width: 1 } },
          output_type: "display_data",
        },
        { name: "stderr", output_type: "stream", text: [] },
        { ename: "E", evalue: "v", output_type: "error", traceback: ["a\nb", ""] },
      ]),
      md("c", ""),
    ]),
  ),
  "empty-minor-4": JSON.stringify(notebook([], {}, 4)),
  "nested-empties": JSON.stringify(notebook([md("a", [], { a: {}, b: [], c: [[], {}, [{}]] })], { deep: { x: { y: [null, true, false] } } })),
};

describe("serializeNotebook without Python", () => {
  test("floats are written as Python's repr", () => {
    const table: [number, string][] = [
      [1, "1.0"],
      [-0, "-0.0"],
      [0.1, "0.1"],
      [1e16, "1e+16"],
      [1e15, "1000000000000000.0"],
      [1234567890123456.7, "1234567890123456.8"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [123456789012345678, "1.2345678901234568e+17"],
      [5e-324, "5e-324"],
      [1.5e300, "1.5e+300"],
      [-2.5e-10, "-2.5e-10"],
      [NaN, "NaN"],
      [-Infinity, "-Infinity"],
    ];
    for (const [value, text] of table) assert.equal(pythonFloatRepr(value), text, String(value));
  });

  test("lines split where Python's splitlines splits", () => {
    assert.deepEqual(splitLinesKeepEnds(""), []);
    assert.deepEqual(splitLinesKeepEnds("a"), ["a"]);
    assert.deepEqual(splitLinesKeepEnds("a\n"), ["a\n"]);
    assert.deepEqual(splitLinesKeepEnds("a\r\nb\rc\u2028d\x85e\x0bf\x0cg\x1ch\n\n"), [
      "a\r\n",
      "b\r",
      "c\u2028",
      "d\x85",
      "e\x0b",
      "f\x0c",
      "g\x1c",
      "h\n",
      "\n",
    ]);
  });

  test("a small notebook is laid out as nbformat writes it (checked against nbformat once)", () => {
    const nb = parseNotebook(
      '{"nbformat":4,"nbformat_minor":5,"metadata":{"x":1.0,"a":[]},"cells":[{"id":"c1","cell_type":"code","metadata":{},"execution_count":null,"outputs":[{"output_type":"stream","name":"stdout","text":"a/b\\nü\\u0007"}],"source":"1\\n2"}]}',
      "small.ipynb",
    );
    const expected = [
      "{",
      ' "cells": [',
      "  {",
      '   "cell_type": "code",',
      '   "execution_count": null,',
      '   "id": "c1",',
      '   "metadata": {},',
      '   "outputs": [',
      "    {",
      '     "name": "stdout",',
      '     "output_type": "stream",',
      '     "text": [',
      '      "a/b\\n",',
      '      "ü\\u0007"',
      "     ]",
      "    }",
      "   ],",
      '   "source": [',
      '    "1\\n",',
      '    "2"',
      "   ]",
      "  }",
      " ],",
      ' "metadata": {',
      '  "a": [],',
      '  "x": 1.0',
      " },",
      ' "nbformat": 4,',
      ' "nbformat_minor": 5',
      "}",
      "",
    ].join("\n");
    assert.equal(serializeNotebook(nb), expected);
  });

  test("a parsed 1.0 stays 1.0 until the value is changed", () => {
    const nb = parseNotebook('{"cells": [], "metadata": {"a": 1.0, "b": 1.0, "c": [2.0]}, "nbformat": 4, "nbformat_minor": 5}', "x.ipynb");
    nb.metadata.b = 3;
    (nb.metadata.c as number[]).push(4);
    assert.match(serializeNotebook(nb), /"a": 1\.0,\n {2}"b": 3,\n {2}"c": \[\n {3}2\.0,\n {3}4\n {2}\]/);
  });

  test("the notebook passed in is not modified, and writing is stable", () => {
    for (const text of Object.values(madeUp)) {
      const nb = parseNotebook(text, "x.ipynb");
      const before = JSON.stringify(nb);
      const once = serializeNotebook(nb);
      assert.equal(JSON.stringify(nb), before);
      assert.equal(serializeNotebook(parseNotebook(once, "x.ipynb")), once);
    }
  });
});

describe("serializeNotebook against nbformat", () => {
  const nbformat = hasNbformat();
  let tmp: string;
  /** Per case: our text, the path nbformat read, the path of our text. */
  const cases = new Map<string, { ours: string; input: string; oursPath: string }>();
  let results: NbformatResults;

  before(async () => {
    if (!nbformat) return;
    tmp = await mkdtemp(join(tmpdir(), "serialize-"));
    const inputs: [string, string][] = corpus.map((f) => [`corpus ${f}`, join(corpusDir, f)]);
    for (const [name, text] of Object.entries(madeUp)) {
      const path = join(tmp, `${name}.ipynb`);
      await writeFile(path, text);
      inputs.push([`made-up ${name}`, path]);
    }
    for (const [i, [label, input]] of inputs.entries()) {
      const ours = serializeNotebook(parseNotebook(await readFile(input, "utf8"), input));
      const oursPath = join(tmp, `ours-${i}.ipynb`);
      await writeFile(oursPath, ours);
      cases.set(label, { ours, input, oursPath });
    }
    results = await nbformatResults(
      [...cases.values()].map((c) => c.input),
      [...cases.values()].map((c) => c.oursPath),
    );
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const labels = [...corpus.map((f) => `corpus ${f}`), ...Object.keys(madeUp).map((n) => `made-up ${n}`)];
  for (const label of labels) {
    test(`${label}: byte-identical to nbformat.write, schema-valid`, (t) => {
      if (!prerequisite(t, nbformat, "Python nbformat not installed")) return;
      const c = cases.get(label)!;
      assert.equal(c.ours, results.written.get(c.input)!.toString("utf8"));
      assert.equal(results.problems.get(c.oursPath), undefined);
    });
  }
});
