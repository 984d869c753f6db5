import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { pruneFolder, readIfExists, writeIfChanged } from "../write/atomic.js";
import type { NotebookProduct } from "./build-notebook.js";

/** Every file a product stands for, the notebook included when it was executed. */
function productFiles(product: NotebookProduct): Map<string, Buffer> {
  const files = new Map(product.files);
  if (product.notebookText !== undefined) files.set(product.job.path, Buffer.from(product.notebookText, "utf8"));
  return files;
}

/** Writes what changed, each file atomically, and removes extracted files no longer produced. */
export async function writeProduct(product: NotebookProduct): Promise<string[]> {
  if (product.status === "unchanged") return [];
  const written: string[] = [];
  const files = productFiles(product);
  for (const [path, content] of files) if (await writeIfChanged(path, content)) written.push(path);
  const keep = new Set([...files.keys()].filter((p) => p.startsWith(product.extractDir + "/")));
  written.push(...(await pruneFolder(product.extractDir, keep)));
  return written;
}

/** Unified diffs of the files a build would change, without writing anything. */
export async function staleFiles(product: NotebookProduct, root: string): Promise<string[]> {
  if (product.status === "unchanged") return [];
  const { shortDiff } = await import("../check/diff.js");
  const diffs: string[] = [];
  const files = productFiles(product);
  for (const [path, next] of files) {
    const current = await readIfExists(path);
    if (!current?.equals(next)) diffs.push(shortDiff(relative(root, path), current, next));
  }
  let existing: string[] = [];
  try {
    existing = (await readdir(product.extractDir)).map((n) => join(product.extractDir, n));
  } catch {
    // No folder of extracted outputs: nothing stale in it.
  }
  for (const path of existing) {
    if (!files.has(path)) diffs.push(shortDiff(relative(root, path), await readIfExists(path), undefined));
  }
  return diffs;
}
