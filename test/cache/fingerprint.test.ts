import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { declaredDependencies, inputsFingerprint, outputsFingerprint, pageSourceFingerprint, sha256, toolFingerprint } from "../../src/cache/fingerprint.js";

function notebook(sources: string[], metadata: Record<string, unknown> = {}): INotebookContent {
  return {
    cells: [
      { cell_type: "markdown", metadata: {}, source: "# prose" },
      ...sources.map((source): ICodeCell => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    ],
    metadata: { kernelspec: { name: "tslab", display_name: "TypeScript" }, ...metadata },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** What a kernel profile adds to the fingerprint (for tslab: the versions of what runs the code). */
const KERNEL = { tslab: "1.0.22", typescript: "5.9.3" };

/** A project folder with notebooks/ and keys/. */
async function scratch(t: TestContext): Promise<{ nbPath: string; keys: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "fingerprint-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, "notebooks"));
  await mkdir(join(dir, "keys"));
  await writeFile(join(dir, "keys", "RS384.public.json"), '{"keys":[]}');
  return { nbPath: join(dir, "notebooks", "x.ipynb"), keys: join(dir, "keys"), dir };
}

test("inputs: code cells, kernel, key files and declared files change the fingerprint; prose does not", async (t) => {
  const { nbPath, keys, dir } = await scratch(t);
  const base = await inputsFingerprint(notebook(["a()", "b()"]), nbPath, keys, KERNEL);
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(await inputsFingerprint(notebook(["a()", "b()"]), nbPath, keys, KERNEL), base, "stable");

  const prose = notebook(["a()", "b()"]);
  prose.cells[0]!.source = "# other prose";
  assert.equal(await inputsFingerprint(prose, nbPath, keys, KERNEL), base, "markdown is not an input of the outputs");
  assert.notEqual(await inputsFingerprint(notebook(["a()", "c()"]), nbPath, keys, KERNEL), base, "a code cell");
  assert.notEqual(await inputsFingerprint(notebook(["a()b()"]), nbPath, keys, KERNEL), base, "cell boundaries count");
  assert.notEqual(await inputsFingerprint(notebook(["a()", "b()"], { kernelspec: { name: "jslab", display_name: "JS" } }), nbPath, keys, KERNEL), base, "the kernel");

  await writeFile(join(keys, "ES384.public.json"), '{"keys":[]}');
  const withKey = await inputsFingerprint(notebook(["a()", "b()"]), nbPath, keys, KERNEL);
  assert.notEqual(withKey, base, "a new key file");

  const depending = notebook(["a()", "b()"], { docs: { depends: ["../data/x.json"] } });
  const missing = await inputsFingerprint(depending, nbPath, keys, KERNEL);
  await mkdir(join(dir, "data"));
  await writeFile(join(dir, "data", "x.json"), "1");
  const present = await inputsFingerprint(depending, nbPath, keys, KERNEL);
  await writeFile(join(dir, "data", "x.json"), "2");
  const changed = await inputsFingerprint(depending, nbPath, keys, KERNEL);
  assert.equal(new Set([withKey, missing, present, changed]).size, 4, "a declared file: missing, present, changed");
  assert.notEqual(await inputsFingerprint(notebook(["a()", "b()"]), nbPath, keys, { ...KERNEL, typescript: "5.9.4" }), withKey, "what the kernel's profile names");
});

test("declaredDependencies: only the strings of metadata.docs.depends", () => {
  assert.deepEqual(declaredDependencies(notebook([], { docs: { depends: ["a.json", 3, null, "b/c.txt"] } })), ["a.json", "b/c.txt"]);
  assert.deepEqual(declaredDependencies(notebook([], { docs: { depends: "a.json" } })), []);
  assert.deepEqual(declaredDependencies(notebook([])), []);
});

test("outputs: what execution wrote (outputs, counts, language_info), nothing else", () => {
  const a = notebook(["x"]);
  const base = outputsFingerprint(a);
  const counted = structuredClone(a);
  (counted.cells[1] as ICodeCell).execution_count = 1;
  const printed = structuredClone(a);
  (printed.cells[1] as ICodeCell).outputs = [{ output_type: "stream", name: "stdout", text: "1\n" }];
  const language = structuredClone(a);
  language.metadata.language_info = { name: "typescript" };
  const edited = structuredClone(a);
  (edited.cells[1] as ICodeCell).source = "y";
  assert.equal(new Set([base, outputsFingerprint(counted), outputsFingerprint(printed), outputsFingerprint(language)]).size, 4);
  assert.equal(outputsFingerprint(edited), base, "sources are inputs, not outputs");
});

test("tool: the build's own code, its hash reused while the files' stats are those it was made for", async () => {
  const first = await toolFingerprint();
  assert.match(first.hash, /^[0-9a-f]{64}$/);
  assert.equal(await toolFingerprint(first), first, "same stats: the same stamp, not rehashed");
  const stale = { statKey: "other", hash: "old" };
  assert.deepEqual(await toolFingerprint(stale), first, "other stats: hashed again, to the same hash");
  assert.equal(sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});

test("page source (a variant's stand-in for the notebook's bytes): prose, tags and metadata count; what execution writes does not", () => {
  const base = pageSourceFingerprint(notebook(["a()"], { title: "T" }));
  assert.equal(pageSourceFingerprint(notebook(["a()"], { title: "T" })), base, "stable");

  const executed = notebook(["a()"], { title: "T", language_info: { name: "typescript", version: "5" } });
  const cell = executed.cells[1] as ICodeCell;
  cell.outputs = [{ output_type: "stream", name: "stdout", text: "out\n" }];
  cell.execution_count = 1;
  assert.equal(pageSourceFingerprint(executed), base, "outputs, counts and language_info are what execution writes");

  const prose = notebook(["a()"], { title: "T" });
  prose.cells[0]!.source = "### other prose";
  assert.notEqual(pageSourceFingerprint(prose), base, "a markdown cell");
  assert.notEqual(pageSourceFingerprint(notebook(["a()"], { title: "Other" })), base, "metadata.title");
  const tagged = notebook(["a()"], { title: "T" });
  tagged.cells[1]!.metadata = { tags: ["remove-input"] };
  assert.notEqual(pageSourceFingerprint(tagged), base, "a cell's tags");
  assert.notEqual(pageSourceFingerprint(notebook(["b()"], { title: "T" })), base, "a code cell");
  const docs = (value: Record<string, unknown>) => pageSourceFingerprint(notebook(["a()"], { title: "T", docs: value }));
  assert.equal(docs({ index: 1, variants: { v: { s: "x" } } }), docs({ variants: { v: { s: "x" } }, index: 1 }), "docs keys in the writer's order or not");
  assert.notEqual(docs({ index: 1 }), docs({ index: 2 }), "docs settings");
});
