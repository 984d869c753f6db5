import { readdir } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import type { Project } from "../project.js";
import { readIfExists } from "../write/atomic.js";
import { nodeFileSystem } from "../write/fs-layer.js";
import { fromManifest, manifestPath, readManifest, serializeManifest } from "../write/manifest.js";
import { orphanLabels, type DocsWriter, type OutputPlace } from "../write/writer.js";
import type { NotebookProduct } from "./build-notebook.js";

/** Every file a product stands for, the notebook included when it was executed. */
function productFiles(product: NotebookProduct): Map<string, Buffer> {
  const files = new Map(product.files);
  if (product.notebookText !== undefined) files.set(product.job.path, Buffer.from(product.notebookText, "utf8"));
  return files;
}

/**
 * Writes a notebook's files as one unit through the writer, which also deletes the extracted
 * files its last build wrote and this one no longer produces. A cached product writes nothing,
 * but its pages are recorded in the manifest.
 */
/** A variant's pages are listed apart from its notebook's own: under the key its build state has. */
const manifestKey = (product: NotebookProduct): string => product.job.stateKey ?? product.job.label;

export async function writeProduct(product: NotebookProduct, writer: DocsWriter): Promise<string[]> {
  if (product.status === "unchanged") {
    await writer.recordPages(manifestKey(product), Object.keys(product.record.files));
    return [];
  }
  return writer.commitNotebook({
    label: manifestKey(product),
    notebookPath: product.job.path,
    ...(product.job.notebookOut === undefined ? { sourceHash: product.sourceHash } : {}),
    ...(product.notebookText === undefined ? {} : { notebookText: product.notebookText }),
    pages: product.files,
  });
}

/** A path as messages name it: relative to the project inside it, whole elsewhere (an IG's folder). */
function shown(root: string, path: string): string {
  const rel = relative(root, path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name)).sort();
}

/**
 * Unified diffs of the files a build would change, without writing anything; files in the
 * page's files folder that the build would not write count as stray, cached page or not.
 */
export async function staleFiles(product: NotebookProduct, root: string): Promise<string[]> {
  const { shortDiff } = await import("../check/diff.js");
  const diffs: string[] = [];
  const files = productFiles(product);
  if (product.status !== "unchanged") {
    for (const [path, next] of files) {
      const current = await readIfExists(path);
      if (!current?.equals(next)) diffs.push(shortDiff(shown(root, path), current, next));
    }
  }
  const expected = new Set(product.status === "unchanged" ? Object.keys(product.record.files) : files.keys());
  for (const path of await filesUnder(product.extractDir)) {
    if (!expected.has(path)) diffs.push(shortDiff(shown(root, path), await readIfExists(path), undefined));
  }
  return diffs;
}

/** For --check: pages the manifest lists for notebooks that no longer exist. */
export async function orphanPages(project: Project, output: OutputPlace): Promise<string[]> {
  const { manifest } = await readManifest(nodeFileSystem, output.manifest);
  const lines: string[] = [];
  for (const label of await orphanLabels(nodeFileSystem, project, manifest)) {
    for (const entry of manifest.pages[label] ?? []) {
      const path = fromManifest(output.base, entry);
      if ((await readIfExists(path)) !== undefined) lines.push(`${shown(project.root, path)}: orphan page, its notebook ${label} no longer exists`);
    }
  }
  return lines;
}

/** For --check: the manifest as a build would leave it, compared with the committed one. */
export async function staleManifest(project: Project, output: OutputPlace, products: readonly NotebookProduct[]): Promise<string[]> {
  const { manifest } = await readManifest(nodeFileSystem, output.manifest);
  const pages = { ...manifest.pages };
  for (const label of await orphanLabels(nodeFileSystem, project, manifest)) delete pages[label];
  for (const p of products) {
    const files = p.status === "unchanged" ? Object.keys(p.record.files) : [...p.files.keys()];
    pages[manifestKey(p)] = files.map((f) => manifestPath(output.base, f));
  }
  const path = output.manifest;
  const current = await readIfExists(path);
  const next = serializeManifest({ ...manifest, pages });
  if (current?.equals(next)) return [];
  const { shortDiff } = await import("../check/diff.js");
  return [shortDiff(shown(project.root, path), current, next)];
}
