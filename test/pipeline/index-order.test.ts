import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { indexOrder } from "../../src/pipeline/index-order.js";
import { renderIndex, type PageSummary } from "../../src/render/html.js";

const page = (name: string): PageSummary => ({ name, title: name.toUpperCase(), summary: "", file: `${name}.html` });

test("the index lists pages by their metadata docs.index, then the others by name", async () => {
  const dir = await mkdtemp(join(tmpdir(), "index-order-"));
  try {
    const notebook = (docs: unknown) => JSON.stringify({ cells: [], metadata: docs === undefined ? {} : { docs }, nbformat: 4, nbformat_minor: 5 });
    await writeFile(join(dir, "a.ipynb"), notebook(undefined));
    await writeFile(join(dir, "b.ipynb"), notebook({ index: 2 }));
    await writeFile(join(dir, "c.ipynb"), notebook({ index: 1 }));
    await writeFile(join(dir, "d.ipynb"), "{ not json");
    await writeFile(join(dir, "e.ipynb"), notebook({ index: "first" }));
    const pages = ["a", "b", "c", "d", "e"].map(page);
    const order = await indexOrder(dir, pages.map((p) => [`${p.name}.ipynb`, p]));
    assert.deepEqual([...order.entries()].sort(), [["b", 2], ["c", 1]]);
    const html = renderIndex(pages, { order });
    const listed = [...html.matchAll(/<a href="(\w)\.html">/g)].map((m) => m[1]);
    assert.deepEqual(listed, ["c", "b", "a", "d", "e"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
