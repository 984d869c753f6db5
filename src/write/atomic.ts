import { readFile, mkdir, rm, readdir, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Current content of a file, or undefined when there is none. */
export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * Writes through a temporary file in the same folder and a rename, so a reader (or a build
 * stopped halfway) never sees half a file. Unchanged files are not touched, which keeps
 * their modification times and makes a repeated build cheap.
 */
export async function writeIfChanged(path: string, content: string | Buffer): Promise<boolean> {
  const next = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const current = await readIfExists(path);
  if (current?.equals(next)) return false;
  await mkdir(dirname(path), { recursive: true });
  // Loaded on first write: a build with nothing to write never pays for it.
  const { default: writeFileAtomic } = await import("write-file-atomic");
  await writeFileAtomic(path, next);
  return true;
}

/** Removes files of a folder the build owns that it no longer produces, and the folder if empty. */
export async function pruneFolder(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!keep.has(path)) {
      await rm(path, { force: true, recursive: true });
      removed.push(path);
    }
  }
  if (removed.length === names.length) await rmdir(dir).catch(() => undefined);
  return removed;
}
