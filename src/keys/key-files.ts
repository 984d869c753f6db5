import { access } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import type { KeyAlgorithm } from "./algorithms.js";

/** File names of one algorithm's key sets inside the keys folder. */
export function keyFileNames(alg: KeyAlgorithm): { privateFile: string; publicFile: string } {
  return { privateFile: `${alg}.private.json`, publicFile: `${alg}.public.json` };
}

export class KeyFileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists; pass --force to overwrite it`);
    this.name = "KeyFileExistsError";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Throws KeyFileExistsError for the first of `names` already in `dir`, unless `force`. */
export async function assertWritable(dir: string, names: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  for (const name of names) {
    const path = join(dir, name);
    if (await exists(path)) throw new KeyFileExistsError(path);
  }
}

/**
 * Writes each file atomically (a reader never sees half a key set). Mode 0644: these are
 * example keys, committed and published on purpose.
 */
export async function writeKeyFiles(dir: string, files: ReadonlyMap<string, string>): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(dir, name);
    await writeFileAtomic(path, text, { mode: 0o644 });
    written.push(path);
  }
  return written;
}
