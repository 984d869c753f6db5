import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { findProject } from "../../project.js";
import { TSLAB_NODE_FLAGS } from "../profiles/tslab-node-flags.js";

/**
 * Where a warm kernel's snapshot for one notebook folder lives, and what it was made from.
 * A snapshot holds tslab's converter as built in that folder (tslab fixes the converter's
 * rootDir to the kernel's working directory), by that Node binary, from those installed
 * modules: any of these changing makes it stale.
 */
export interface SnapshotKey {
  node: string;
  /** sha256 of the package-lock.json beside the node_modules that tslab is loaded from. */
  lockFile: string;
  /** The installed tslab's folder (absolute, so a moved checkout does not match). */
  tslab: string;
  /** sha256 of the snapshot's script. */
  entry: string;
  flags: string;
  /** sha256 of the install's patches/*.patch: patch-package changes tslab's converter (tslab's own files). */
  patches: string;
  /** The notebook folder the converter was built in. */
  folder: string;
}

export interface SnapshotPaths {
  blob: string;
  /** The key the blob was made with, written after the blob, so a key never names a half-made blob. */
  keyFile: string;
  /** The key a build failed to make a snapshot for, and why: a build does not try that key again. */
  failedFile: string;
}

/** The compiled script that `node --build-snapshot` runs (see snapshot-entry.cts). */
export const entryScript = join(dirname(fileURLToPath(import.meta.url)), "snapshot-entry.cjs");

/** The tslab package folder of this project's install. */
export function tslabDir(): string {
  return dirname(createRequire(import.meta.url).resolve("tslab/package.json"));
}

export function snapshotPaths(folder: string): SnapshotPaths {
  const base = join(findProject(folder).root, ".cache", "warm-kernel", createHash("sha256").update(folder).digest("hex").slice(0, 16));
  return { blob: `${base}.blob`, keyFile: `${base}.json`, failedFile: `${base}.failed.json` };
}

const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

/** The key a snapshot for `folder` must have now. Reads the lock file: only for kernel starts, never on a no-op build. */
export async function currentKey(folder: string): Promise<SnapshotKey> {
  const tslab = tslabDir();
  // tslab sits in <install>/node_modules/tslab; the lock file is beside that node_modules.
  const install = dirname(dirname(tslab));
  const lockFile = join(install, "package-lock.json");
  const [lock, entry, patches] = await Promise.all([readFile(lockFile).catch(() => Buffer.from("")), readFile(entryScript), patchesHash(join(install, "patches"))]);
  return { node: `${process.version} ${process.platform}-${process.arch}`, lockFile: sha256(lock), tslab, entry: sha256(entry), flags: TSLAB_NODE_FLAGS.join(" "), patches, folder };
}

async function patchesHash(dir: string): Promise<string> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".patch")).sort();
  const hash = createHash("sha256");
  for (const name of names) hash.update(`${name}\0`).update(await readFile(join(dir, name))).update("\0");
  return hash.digest("hex");
}

export function sameKey(a: SnapshotKey, b: SnapshotKey): boolean {
  return a.node === b.node && a.lockFile === b.lockFile && a.tslab === b.tslab && a.entry === b.entry && a.flags === b.flags && a.patches === b.patches && a.folder === b.folder;
}

/** The key of a build's failed attempt, when its record is readable. */
export function failedKey(paths: SnapshotPaths): SnapshotKey | undefined {
  try {
    return (JSON.parse(readFileSync(paths.failedFile, "utf8")) as { key: SnapshotKey }).key;
  } catch {
    return undefined;
  }
}

/** The key stored beside a snapshot, or undefined when there is none or it cannot be read. */
export function storedKey(paths: SnapshotPaths): SnapshotKey | undefined {
  try {
    return JSON.parse(readFileSync(paths.keyFile, "utf8")) as SnapshotKey;
  } catch {
    return undefined;
  }
}
