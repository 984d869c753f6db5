// The no-op build's short cut. A build that found every notebook unchanged records what it read
// (each file's stat, each folder's entries) and what it printed. The next build with the same
// command line first compares those stats, as git's index does for a work tree, and when nothing
// moved prints the same lines without loading the build at all. Any doubt takes the full path,
// which answers from the content cache and is the judge. Node's built-ins only: this module is
// what a no-op build loads.
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

export const NOOP_STAMP_NAME = "docs-noop.json";

/** A stamp holds about a hundred bytes per file read: anything this large is not one the build wrote. */
const MAX_STAMP_BYTES = 16 * 1024 * 1024;

/** A file changed this close before the stamp was taken may change again within one tick of its clock unseen: such a stamp is not trusted. */
const RACY_NS = 2_000_000_000n;

export interface NoopStamp {
  version: 1;
  /** The command line after the script, the folder it ran in, and the Node that ran it. */
  argv: string[];
  cwd: string;
  node: string;
  /** When the stamp was taken, in ns since the epoch. */
  takenNs: string;
  /** path → stat signature, or "missing". */
  files: Record<string, string>;
  /** folder → its entries' names, sorted, or "missing". */
  dirs: Record<string, string>;
  /** What the build printed, its last line without the time it took. */
  stdout: string;
  summary: string;
}

export interface NoopReads {
  files: Iterable<string>;
  dirs: Iterable<string>;
  /** Paths that must not exist for the stamp to hold. */
  absent: Iterable<string>;
}

/** What a stat says of a file's identity and content, or "missing". A symbolic link is followed. */
export function signatureOf(path: string): string {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.dev}:${st.ino}:${st.mode}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : "missing";
}

export function listingOf(dir: string): string {
  try {
    return readdirSync(dir).sort().join("\0");
  } catch {
    return "missing";
  }
}

/** When the file last changed in any way (ctime moves with every write, and cannot be set back). */
function changedNs(path: string): bigint {
  return statSync(path, { bigint: true, throwIfNoEntry: false })?.ctimeNs ?? 0n;
}

export function stampPath(cacheDir: string): string {
  return join(cacheDir, NOOP_STAMP_NAME);
}

/**
 * The stamp of a no-op build, to be written by the build's writer: the signature of each file
 * read, the entries of each folder read, and "missing" for each path that must stay absent (the
 * build's journal and lock, which the build still holds while the stamp is written).
 */
export function noopStampContent(context: Pick<NoopStamp, "argv" | "cwd" | "stdout" | "summary">, reads: NoopReads): Buffer {
  const takenNs = BigInt(Date.now()) * 1_000_000n;
  const stamp: NoopStamp = { version: 1, ...context, node: `${process.execPath} ${process.version}`, takenNs: String(takenNs), files: {}, dirs: {} };
  const absent = new Set(reads.absent);
  for (const path of [...new Set([...reads.files, ...absent])].sort()) stamp.files[path] = absent.has(path) ? "missing" : signatureOf(path);
  for (const dir of [...new Set(reads.dirs)].sort()) stamp.dirs[dir] = listingOf(dir);
  return Buffer.from(JSON.stringify(stamp), "utf8");
}

/** The stamp's text, when it is a regular file within its bound (never waiting on a FIFO, never filling memory). */
function readStamp(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch {
    return undefined;
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile() || info.size > MAX_STAMP_BYTES) return undefined;
    const buffer = Buffer.alloc(info.size);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      if (read === 0) break;
      length += read;
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

function isStamp(value: unknown): value is NoopStamp {
  const s = value as Partial<NoopStamp> | null;
  return (
    typeof s === "object" && s !== null && s.version === 1 && Array.isArray(s.argv) && typeof s.cwd === "string" && typeof s.node === "string" &&
    typeof s.takenNs === "string" && /^\d+$/.test(s.takenNs) && typeof s.files === "object" && s.files !== null &&
    typeof s.dirs === "object" && s.dirs !== null && typeof s.stdout === "string" && typeof s.summary === "string"
  );
}

/**
 * The stamp when this run is the one it recorded and nothing it read has moved since; otherwise
 * undefined, and the build takes its full path.
 */
export function unchangedSince(cacheDir: string, argv: readonly string[], cwd: string, racyNs = RACY_NS): NoopStamp | undefined {
  const text = readStamp(stampPath(cacheDir));
  if (text === undefined) return undefined;
  let stamp: unknown;
  try {
    stamp = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isStamp(stamp)) return undefined;
  if (stamp.cwd !== cwd || stamp.node !== `${process.execPath} ${process.version}`) return undefined;
  if (stamp.argv.length !== argv.length || stamp.argv.some((a, i) => a !== argv[i])) return undefined;
  const racyFrom = BigInt(stamp.takenNs) - racyNs;
  for (const [path, signature] of Object.entries(stamp.files)) {
    if (signatureOf(path) !== signature) return undefined;
    if (signature !== "missing" && changedNs(path) >= racyFrom) return undefined;
  }
  for (const [dir, listing] of Object.entries(stamp.dirs)) {
    if (listingOf(dir) !== listing) return undefined;
  }
  return stamp;
}
