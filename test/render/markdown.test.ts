import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseNotebook } from "../../src/notebook/read.js";
import { renderMarkdown } from "../../src/render/markdown.js";
import { hasNbconvert, prerequisite } from "../support/require.js";
import { fixturesDir } from "../support/root.js";
import { nbconvertMarkdown, type NbconvertMarkdown } from "../support/nbconvert.js";

const corpusDir = join(fixturesDir, "corpus");
const corpus = (await readdir(corpusDir)).filter((f) => f.endsWith(".ipynb")).sort();
const referenceDir = join(corpusDir, "nbconvert");

// cases:start
// One-cell notebooks, one per kind of content, with the Markdown nbconvert 6.5.3 wrote
// for each (generated once with `jupyter nbconvert --to markdown`, re-checked below).
const PNG_1x1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC";
const JPEG_1x1 =
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAABAAEDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDkKKKK8U/TD//Z";

type Json = Record<string, unknown>;
const python = { kernelspec: { display_name: "Python 3", language: "python", name: "python3" }, language_info: { name: "python" } };
const typescript = { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" }, language_info: { name: "typescript" } };
const nb = (cells: Json[], metadata: Json = python): Json => ({
  cells: cells.map((c, i) => ({ id: `c${i}`, metadata: {}, ...c })),
  metadata,
  nbformat: 4,
  nbformat_minor: 5,
});
const md = (source: unknown, metadata: Json = {}): Json => ({ cell_type: "markdown", metadata, source });
const raw = (source: unknown, metadata: Json = {}): Json => ({ cell_type: "raw", metadata, source });
const code = (source: unknown, outputs: Json[] = [], metadata: Json = {}): Json => ({
  cell_type: "code",
  execution_count: outputs.length ? 1 : null,
  metadata,
  outputs,
  source,
});
const stream = (name: string, text: unknown): Json => ({ name, output_type: "stream", text });
const display = (data: Json, metadata: Json = {}): Json => ({ data, metadata, output_type: "display_data" });
const result = (data: Json): Json => ({ data, execution_count: 1, metadata: {}, output_type: "execute_result" });
const error = (traceback: string[]): Json => ({ ename: "E", evalue: "v", output_type: "error", traceback });

interface Case {
  id: string;
  notebook: Json;
  expected: string;
  files?: string[];
}

const CASES: Case[] = [
  { id: "markdown", notebook: nb([md("# Title\n\nSome *text*.")]), expected: "# Title\n\nSome *text*.\n" },
  { id: "markdown-list-source", notebook: nb([md(["line 1\n", "line 2  \n", "line 3\n"]), md("next")]), expected: "line 1\nline 2  \nline 3\n\n\nnext\n" },
  { id: "markdown-empty", notebook: nb([md("a"), md(""), md([]), md("b")]), expected: "a\n\n\n\n\n\nb\n" },
  { id: "raw-plain", notebook: nb([md("before"), raw("raw text"), md("after")]), expected: "before\nraw text\nafter\n" },
  {
    id: "raw-mimetypes",
    notebook: nb([
      raw("*md*\n", { raw_mimetype: "text/markdown" }),
      raw("<i>html</i>\n", { raw_mimetype: "text/html" }),
      raw("rst\n", { raw_mimetype: "text/restructuredtext" }),
      raw("latex\n", { raw_mimetype: "text/latex" }),
    ]),
    expected: "*md*\n<i>html</i>\n",
  },
  { id: "code-empty", notebook: nb([code("")]), expected: "```python\n\n```\n" },
  { id: "code-comment", notebook: nb([code("# just a comment")]), expected: "```python\n# just a comment\n```\n" },
  { id: "code-typescript", notebook: nb([code("const a: number = 1;")], typescript), expected: "```typescript\nconst a: number = 1;\n```\n" },
  { id: "code-no-language", notebook: nb([code("x")], {}), expected: "```\nx\n```\n" },
  { id: "code-magic", notebook: nb([code("%%bash\nls")]), expected: "```bash\n%%bash\nls\n```\n" },
  { id: "stdout", notebook: nb([code("print(1)", [stream("stdout", "1\n")])]), expected: "```python\nprint(1)\n```\n\n    1\n\n" },
  {
    id: "stdout-stderr",
    notebook: nb([code("f()", [stream("stdout", "out\n"), stream("stderr", ["err 1\n", "err 2\n"]), stream("stdout", "out again\n")])]),
    expected: "```python\nf()\n```\n\n    out\n\n\n    err 1\n    err 2\n\n\n    out again\n\n",
  },
  { id: "stdout-merged", notebook: nb([code("f()", [stream("stdout", "a "), stream("stdout", "b\n")])]), expected: "```python\nf()\n```\n\n    a b\n\n" },
  { id: "stdout-no-newline", notebook: nb([code("f()", [stream("stdout", "no newline")]), md("next")]), expected: "```python\nf()\n```\n\n    no newline\n\nnext\n" },
  { id: "stdout-carriage-return", notebook: nb([code("f()", [stream("stdout", "10%\r100%\ndone\n")])]), expected: "```python\nf()\n```\n\n    100%\n    done\n\n" },
  { id: "result-plain", notebook: nb([code("x", [result({ "text/plain": "42" })])]), expected: "```python\nx\n```\n\n\n\n\n    42\n\n\n" },
  {
    id: "result-multiline",
    notebook: nb([code("x", [result({ "text/plain": ["{'a': 1,\n", " 'b': 2}"] })])]),
    expected: "```python\nx\n```\n\n\n\n\n    {'a': 1,\n     'b': 2}\n\n\n",
  },
  {
    id: "display-markdown",
    notebook: nb([code("x", [display({ "text/markdown": "**bold**", "text/plain": "<Markdown>" })])]),
    expected: "```python\nx\n```\n\n\n**bold**\n\n",
  },
  {
    id: "display-html",
    notebook: nb([code("x", [display({ "text/html": "  <div>\n    <b>x</b>\n  </div>", "text/plain": "<HTML>" })])]),
    expected: "```python\nx\n```\n\n\n<div>\n  <b>x</b>\n</div>\n\n",
  },
  {
    id: "display-png",
    notebook: nb([code("x", [display({ "image/png": PNG_1x1, "text/plain": "<Figure>" })])]),
    expected: "```python\nx\n```\n\n\n    \n![png](case_files/case_0_0.png)\n    \n\n",
    files: ["case_files/case_0_0.png"],
  },
  {
    id: "result-jpeg",
    notebook: nb([md("m"), code("x", [stream("stdout", "s\n"), result({ "image/jpeg": JPEG_1x1, "text/plain": "<Image>" })])]),
    expected: "m\n\n\n```python\nx\n```\n\n    s\n\n\n\n\n\n    \n![jpeg](case_files/case_1_1.jpg)\n    \n\n\n",
    files: ["case_files/case_1_1.jpg"],
  },
  {
    id: "display-svg",
    notebook: nb([code("x", [display({ "image/svg+xml": ['<svg xmlns="http://www.w3.org/2000/svg"/>\n'], "text/plain": "<SVG>" })])]),
    expected: "```python\nx\n```\n\n\n    \n![svg](case_files/case_0_0.svg)\n    \n\n",
    files: ["case_files/case_0_0.svg"],
  },
  {
    id: "display-latex",
    notebook: nb([code("x", [display({ "text/latex": "$\\frac{1}{2}$", "text/plain": "<Math>" })])]),
    expected: "```python\nx\n```\n\n\n$\\frac{1}{2}$\n\n",
  },
  {
    id: "json-with-plain",
    notebook: nb([code("x", [result({ "application/json": { a: 1 }, "text/plain": "<JSON>" })])]),
    expected: "```python\nx\n```\n\n\n\n\n    <JSON>\n\n\n",
  },
  { id: "json-only", notebook: nb([code("x", [display({ "application/json": { a: 1 } })])]), expected: "```python\nx\n```\n\n\n" },
  {
    id: "html-beats-png",
    notebook: nb([code("x", [display({ "image/png": PNG_1x1, "text/html": "<p>html</p>", "text/plain": "<both>" })])]),
    expected: "```python\nx\n```\n\n\n<p>html</p>\n\n",
    files: ["case_files/case_0_0.png"],
  },
  {
    id: "error",
    notebook: nb([code("1/0", [error(["\u001b[0;31mZeroDivisionError\u001b[0m   Traceback", "Cell \u001b[0;32mIn[1]\u001b[0m\n----> 1 1/0\n", "\u001b[0;31mZeroDivisionError\u001b[0m: division by zero"])])]),
    expected: "```python\n1/0\n```\n\n\n    ZeroDivisionError   Traceback\n\n    Cell In[1]\n    ----> 1 1/0\n\n\n    ZeroDivisionError: division by zero\n\n",
  },
  {
    id: "tagged",
    notebook: nb([code("x", [stream("stdout", "x\n")], { tags: ["remove-cell", "hide-input"] })]),
    expected: "```python\nx\n```\n\n    x\n\n",
  },
];
// cases:end

describe("renderMarkdown: one kind of content at a time", () => {
  for (const c of CASES) {
    test(c.id, () => {
      const r = renderMarkdown(parseNotebook(JSON.stringify(c.notebook), "case.ipynb"), "case");
      assert.equal(r.markdown, c.expected);
      assert.deepEqual([...r.files.keys()].sort(), c.files ?? []);
    });
  }

  test("extracted images are the decoded bytes; SVG is its UTF-8 text", () => {
    const r = renderMarkdown(
      parseNotebook(
        JSON.stringify(nb([code("x", [display({ "image/png": PNG_1x1 + "\n", "image/svg+xml": ["<svg>é\n", "</svg>"] })])])),
        "case.ipynb",
      ),
      "case",
    );
    assert.deepEqual(r.files.get("case_files/case_0_0.png"), Buffer.from(PNG_1x1, "base64"));
    assert.deepEqual(r.files.get("case_files/case_0_0.svg"), Buffer.from("<svg>é\n</svg>", "utf8"));
  });

  test("file names are URL-quoted in links, as nbconvert's path2url does", () => {
    const notebook = parseNotebook(JSON.stringify(nb([code("x", [display({ "image/png": PNG_1x1 })])])), "a b.ipynb");
    const r = renderMarkdown(notebook, "a b(ü)");
    assert.deepEqual([...r.files.keys()], ["a b(ü)_files/a b(ü)_0_0.png"]);
    assert.ok(r.markdown.includes("![png](a%20b%28%C3%BC%29_files/a%20b%28%C3%BC%29_0_0.png)"));
  });

  test("two outputs claiming one file name are refused, as nbconvert refuses them", () => {
    const named = display({ "image/png": PNG_1x1 }, { filename: "same.png" });
    const notebook = parseNotebook(JSON.stringify(nb([code("x", [named]), code("y", [named])])), "x.ipynb");
    assert.throws(() => renderMarkdown(notebook, "x"), /cell 2: output file x_files\/same\.png is written by more than one output/);
  });

  test("a filename leaving the files folder is refused", () => {
    const notebook = parseNotebook(JSON.stringify(nb([code("x", [display({ "image/png": PNG_1x1 }, { filename: "../up" })])])), "x.ipynb");
    assert.throws(() => renderMarkdown(notebook, "x"), /cell 1: output "filename" metadata "\.\.\/up" must stay inside the files folder/);
  });

  test("image data that is not base64 is refused", () => {
    const notebook = parseNotebook(JSON.stringify(nb([md("m"), code("x", [display({ "image/png": "QUJDRA" })])])), "x.ipynb");
    assert.throws(() => renderMarkdown(notebook, "x"), /cell 2: image\/png output is not valid base64 \(incorrect padding\)/);
  });
});

/** The committed reference: what nbconvert wrote for one corpus notebook (scripts/nbconvert-reference.ts). */
async function reference(name: string): Promise<NbconvertMarkdown> {
  const files = new Map<string, Buffer>();
  const entries = await readdir(join(referenceDir, `${name}_files`), { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isFile()) files.set(`${name}_files/${e.name}`, await readFile(join(referenceDir, `${name}_files`, e.name)));
  return { markdown: await readFile(join(referenceDir, `${name}.md`)), files };
}

describe("renderMarkdown against nbconvert's output for the corpus, as committed", () => {
  for (const file of corpus) {
    test(`corpus ${file}: same Markdown and same files, byte for byte`, async () => {
      const name = file.replace(/\.ipynb$/, "");
      const path = join(corpusDir, file);
      const ours = renderMarkdown(parseNotebook(await readFile(path, "utf8"), path), name);
      const theirs = await reference(name);
      assert.equal(ours.markdown, theirs.markdown.toString("utf8"), `${file}: Markdown differs from test/fixtures/corpus/nbconvert/${name}.md`);
      assert.ok(Buffer.from(ours.markdown, "utf8").equals(theirs.markdown), `${file}: same text, different bytes`);
      assert.deepEqual([...ours.files.keys()].sort(), [...theirs.files.keys()].sort(), `${file}: extracted file names`);
      for (const [rel, bytes] of theirs.files) assert.ok(ours.files.get(rel)!.equals(bytes), `${file}: ${rel} differs`);
    });
  }
});

// The real nbconvert, run once for the corpus and the cases together (its start dominates).
describe("the references above are what the real nbconvert writes", () => {
  const available = hasNbconvert();
  let tmp: string;
  let results: Map<string, NbconvertMarkdown>;

  before(async () => {
    if (!available) return;
    tmp = await mkdtemp(join(tmpdir(), "render-markdown-"));
    // Each case becomes "<id>.ipynb", converted in the same process as the corpus.
    const casePaths: string[] = [];
    for (const c of CASES) {
      const path = join(tmp, `${c.id}.ipynb`);
      await writeFile(path, JSON.stringify(c.notebook));
      casePaths.push(path);
    }
    results = await nbconvertMarkdown([...casePaths, ...corpus.map((f) => join(corpusDir, f))]);
  });
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test("the committed corpus reference is up to date (else: npm run reference:nbconvert)", async (t) => {
    if (!prerequisite(t, available, "jupyter-nbconvert not installed")) return;
    const stale: string[] = [];
    const committed = (await readdir(referenceDir)).filter((f) => f.endsWith(".md")).map((f) => f.slice(0, -3)).sort();
    const names = corpus.map((f) => f.replace(/\.ipynb$/, ""));
    assert.deepEqual(committed, names, "one reference page per corpus notebook");
    for (const name of names) {
      const now = results.get(name)!;
      const stored = await reference(name);
      if (!now.markdown.equals(stored.markdown)) stale.push(`${name}.md`);
      const rels = new Set([...now.files.keys(), ...stored.files.keys()]);
      for (const rel of rels) if (!now.files.get(rel)?.equals(stored.files.get(rel) ?? Buffer.alloc(0))) stale.push(rel);
    }
    assert.deepEqual(stale, [], `test/fixtures/corpus/nbconvert/ differs from what nbconvert writes now: run \`npm run reference:nbconvert\``);
  });

  test("the expected snippets above are what nbconvert writes", (t) => {
    if (!prerequisite(t, available, "jupyter-nbconvert not installed")) return;
    for (const c of CASES) {
      const theirs = results.get(c.id)!;
      // nbconvert names files after the notebook; the table uses the name "case".
      const rename = (s: string) => s.replaceAll(`${c.id}_`, "case_");
      assert.equal(c.expected, rename(theirs.markdown.toString("utf8")), c.id);
      assert.deepEqual(c.files ?? [], [...theirs.files.keys()].map(rename).sort(), c.id);
    }
  });
});
