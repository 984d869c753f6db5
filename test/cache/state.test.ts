import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { loadState, serializeState, type BuildState } from "../../src/cache/state.js";

test("the build state is saved as JSON, read back as saved, and a bad or missing file starts afresh", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "state-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, ".cache", "docs-build.json");
  const fresh: BuildState = { version: 1, notebooks: {} };
  assert.deepEqual(await loadState(file), fresh, "missing");

  const state: BuildState = {
    version: 1,
    notebooks: {
      "notebooks/x.ipynb": {
        inputs: "i", outputs: "o", notebook: "n", tool: "t", dir: "/p/docs", files: { "/p/docs/x.md": "h" },
        summary: { name: "x", file: "x.html", title: "X", summary: "about x" }, cells: 3,
      },
    },
    tool: { statKey: "s", hash: "h" },
    index: "ix",
  };
  const text = serializeState(state);
  assert.match(text.toString("utf8"), /^\{\n "version": 1,[\s\S]*\n\}\n$/);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  assert.deepEqual(await loadState(file), state);

  for (const bad of ["not json", '{"version": 2, "notebooks": {}}', '{"version": 1}']) {
    await writeFile(file, bad);
    const warnings: string[] = [];
    assert.deepEqual(await loadState(file, (line) => warnings.push(line)), fresh, bad);
    assert.equal(warnings.length, 1, `one warning line for ${bad}`);
  }
});
