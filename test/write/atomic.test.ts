import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { pruneFolder, readIfExists, writeIfChanged } from "../../src/write/atomic.js";

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "atomic-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("readIfExists: the bytes, or undefined for a missing file; other errors are thrown", async (t) => {
  const dir = await scratch(t);
  await writeFile(join(dir, "f"), "é");
  assert.deepEqual(await readIfExists(join(dir, "f")), Buffer.from("é"));
  assert.equal(await readIfExists(join(dir, "none")), undefined);
  await assert.rejects(readIfExists(dir), /EISDIR/);
});

test("writeIfChanged writes new content, creating folders, and leaves no temporary file", async (t) => {
  const dir = await scratch(t);
  const path = join(dir, "a", "b", "page.md");
  assert.equal(await writeIfChanged(path, "one\n"), true);
  assert.equal(await readFile(path, "utf8"), "one\n");
  assert.equal(await writeIfChanged(path, Buffer.from("two\n")), true);
  assert.equal(await readFile(path, "utf8"), "two\n");
  assert.deepEqual(await readdir(join(dir, "a", "b")), ["page.md"]);
});

test("writeIfChanged does not touch a file whose content is the same", async (t) => {
  const dir = await scratch(t);
  const path = join(dir, "page.md");
  await writeFile(path, "same");
  const old = new Date("2020-01-01T00:00:00Z");
  await utimes(path, old, old);
  assert.equal(await writeIfChanged(path, "same"), false);
  assert.equal((await stat(path)).mtimeMs, old.getTime());
});

test("pruneFolder removes what is not kept, and the folder once empty", async (t) => {
  const dir = await scratch(t);
  const files = join(dir, "page_files");
  await mkdir(files);
  for (const f of ["keep.png", "old.png"]) await writeFile(join(files, f), f);
  assert.deepEqual(await pruneFolder(files, new Set([join(files, "keep.png")])), [join(files, "old.png")]);
  assert.deepEqual(await readdir(files), ["keep.png"]);
  assert.deepEqual(await pruneFolder(files, new Set()), [join(files, "keep.png")]);
  assert.equal(await readIfExists(files).catch(() => "gone"), undefined, "the empty folder is removed");
  assert.deepEqual(await pruneFolder(join(dir, "missing"), new Set()), [], "a missing folder has nothing to prune");
});
