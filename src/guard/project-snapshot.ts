import { createHash } from "node:crypto";
import { lstat, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { readBounded } from "../io/read-bounded.js";

/** Folders whose changes are not the notebooks' doing, or too large to watch. */
const SKIPPED = new Set(["node_modules", ".git", ".cache"]);
// A project past this many entries is watched only up to it; the keys folder is walked first, in
// full, whatever else the project holds.
const MAX_ENTRIES = 200_000;

/**
 * What a file is now: inode, size and change time (ctime, which no unprivileged process can set
 * back), and for key files their content too.
 */
async function signature(path: string, withContent: boolean): Promise<string | undefined> {
  try {
    const info = await lstat(path);
    let sig = `${info.mode}:${info.ino}:${info.size}:${info.ctimeMs}`;
    if (withContent && info.isFile()) sig += `:${createHash("sha256").update(await readBounded(path, 16 * 1024 * 1024)).digest("hex")}`;
    return sig;
  } catch {
    return undefined;
  }
}

async function walk(root: string, skip: ReadonlySet<string>, max: number, skipNames: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < max) {
    const dir = queue.shift()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(dir, e.name);
      if (skip.has(path) || (dir === root && skipNames.has(e.name))) continue;
      if (e.isDirectory()) queue.push(path);
      else out.push(path);
    }
  }
  return out;
}

export interface ProjectChange {
  path: string;
  how: "added" | "removed" | "changed";
}

export interface ProjectSnapshot {
  /** What changed since the snapshot, leaving out the paths the build itself wrote. */
  changesSince(written: ReadonlySet<string>): Promise<ProjectChange[]>;
}

/**
 * The project's files before the notebooks run (node_modules, .git, .cache and the temporary
 * folder left out), to prove afterwards that a notebook changed nothing but its own outputs:
 * not keys/, not another page, not the code.
 */
export async function snapshotProject(root: string, keysDir: string, maxEntries = MAX_ENTRIES): Promise<ProjectSnapshot> {
  const skip = new Set([tmpdir()]);
  const isKey = (path: string) => path.startsWith(keysDir + sep);
  const take = async () => {
    const files = [...(await walk(keysDir, skip, Infinity, new Set())), ...(await walk(root, new Set([...skip, keysDir]), maxEntries, SKIPPED))];
    const sigs = new Map<string, string>();
    for (const path of files) {
      const sig = await signature(path, isKey(path));
      if (sig !== undefined) sigs.set(path, sig);
    }
    return sigs;
  };
  const before = await take();
  return {
    async changesSince(written) {
      const after = await take();
      const changes: ProjectChange[] = [];
      for (const [path, sig] of after) {
        if (written.has(path)) continue;
        const was = before.get(path);
        if (was === undefined) changes.push({ path: relative(root, path), how: "added" });
        else if (was !== sig) changes.push({ path: relative(root, path), how: "changed" });
      }
      for (const path of before.keys()) if (!after.has(path) && !written.has(path)) changes.push({ path: relative(root, path), how: "removed" });
      return changes.sort((a, b) => a.path.localeCompare(b.path));
    },
  };
}
