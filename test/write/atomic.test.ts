import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { readIfExists } from "../../src/write/atomic.js";

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
