import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/**
 * sha256 over every file in keys/: a cached record says its tokens verified against these keys,
 * so new keys make every record stale, also for --no-execute, which does not fingerprint them.
 */
export async function keysStamp(keysDir: string): Promise<string> {
  const entries = await readdir(keysDir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  const hash = createHash("sha256");
  for (const file of files) {
    const content = await readFile(file);
    hash.update(`${relative(keysDir, file)}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}
