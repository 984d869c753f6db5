import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { toolSources } from "../cache/fingerprint.js";
import type { NoopReads } from "../cache/noop-stamp.js";
import type { Project } from "../project.js";
import { LOCK_NAME } from "../write/lock.js";
import { MANIFEST_NAME } from "../write/manifest.js";
import { journalPathOf } from "../write/writer.js";
import { isCheckpoint } from "./jobs.js";
import type { Outcome } from "./run.js";

/** Every folder under notebooks/ the default notebook list is drawn from (Jupyter's checkpoints aside). */
async function notebookFolders(project: Project): Promise<string[]> {
  const entries = await readdir(project.notebooksDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return [project.notebooksDir, ...entries.filter((e) => e.isDirectory()).map((e) => join(e.parentPath, e.name)).filter((dir) => !isCheckpoint(dir))];
}

/**
 * What a build that found every notebook unchanged read to say so: each notebook's inputs and
 * pages, the cache, the manifest and the index, the folders the notebooks are listed from, the
 * build's own code; and the journal and lock, which must be absent for the stamp to hold.
 * Undefined when some verdict rests on something a stat cannot vouch for (a kernel found
 * through the environment).
 */
export async function noopReads(project: Project, outcomes: readonly Outcome[], entryScript: string): Promise<NoopReads | undefined> {
  const reads = { files: new Set<string>(), dirs: new Set<string>(), absent: [journalPathOf(project), join(project.root, ".cache", LOCK_NAME)] };
  for (const outcome of outcomes) {
    if (!outcome.ok || outcome.product.status !== "unchanged" || outcome.changed.length > 0 || !outcome.product.reads) return undefined;
    for (const file of outcome.product.reads.files) reads.files.add(file);
    for (const dir of outcome.product.reads.dirs) reads.dirs.add(dir);
  }
  const tool = await toolSources();
  for (const file of [
    ...tool.files,
    resolve(entryScript),
    project.cacheFile,
    join(project.docsDir, MANIFEST_NAME),
    join(project.docsDir, "index.html"),
  ]) reads.files.add(file);
  for (const dir of [...tool.dirs, ...(await notebookFolders(project)), project.docsDir]) reads.dirs.add(dir);
  return reads;
}
