// Which key files are as committed: a key is trusted once a human committed it, not because a
// notebook left it in keys/.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Git's object id of a blob with this content (sha1, or sha256 in a sha256 repository). */
export function blobId(content: Buffer, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(`blob ${content.length}\0`).update(content).digest("hex");
}

/**
 * Git, with no configuration but the repository's own and nothing run on its behalf: a notebook
 * can write `~/.gitconfig` or `.git/config` (`core.fsmonitor`, a pager). `ls-tree` reads objects
 * only (no index, no filters, no hooks), and the settings that could start a program are off.
 */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("GIT_")) env[name] = value;
  Object.assign(env, { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" });
  const safe = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", "--no-pager"];
  return new Promise((resolve) => {
    execFile("git", [...safe, ...args], { cwd, env, encoding: "buffer", maxBuffer: 16 * 1024 * 1024, timeout: 10_000 }, (error, stdout) => {
      resolve(error ? undefined : stdout.toString("utf8"));
    });
  });
}

/**
 * The files of `keysDir` (sub-folders included) in the commit checked out (HEAD), each with its
 * blob id; undefined when the folder is not in a git work tree, HEAD tracks none of its files, or
 * git is missing: then nothing tells a committed key from another, and every key is trusted.
 */
export async function committedKeyFiles(keysDir: string): Promise<Map<string, string> | undefined> {
  const listing = await git(keysDir, ["ls-tree", "-r", "-z", "HEAD", "--", "."]);
  if (listing === undefined) return undefined;
  const blobs = new Map<string, string>();
  for (const entry of listing.split("\0")) {
    // "<mode> blob <id>\t<path relative to keysDir>"
    const m = /^\d+ blob ([0-9a-f]{40}|[0-9a-f]{64})\t(.+)$/s.exec(entry);
    if (m) blobs.set(join(keysDir, m[2]!), m[1]!);
  }
  return blobs.size > 0 ? blobs : undefined;
}

/** Whether the file at `path` with this content is the one committed. */
export function isCommitted(committed: ReadonlyMap<string, string>, path: string, content: Buffer): boolean {
  const id = committed.get(path);
  return id !== undefined && id === blobId(content, id.length === 64 ? "sha256" : "sha1");
}
