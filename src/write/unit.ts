import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { DocsError } from "../errors.js";
import { isInside, type Bounds } from "./bounds.js";
import { errnoCode, readIfPresent, type FileSystem } from "./fs-layer.js";

/** One file of a unit: its new content, or null to delete it. */
export interface Change {
  path: string;
  content: Buffer | null;
}

/** A file could not be written completely; nothing of its unit was put in place. */
export class WriteError extends DocsError {
  override name = "WriteError";
  constructor(readonly file: string, reason: string, cause?: unknown) {
    super("ERR_WRITE", `cannot write ${file}: ${reason}`, "", { cause });
  }
}

export interface UnitOptions {
  fs: FileSystem;
  bounds: Bounds;
  /** Where the unit's journal is kept while it commits (one unit at a time per journal). */
  journalPath: string;
  /** How messages name a path (relative to the project). */
  show: (path: string) => string;
  /** Called when every temporary file is complete, before anything is renamed; throwing stops the unit. */
  beforeCommit?: () => Promise<void>;
}

/** A file the build was about to replace is not the one it read: someone saved it meanwhile. */
export class ChangedOnDiskError extends DocsError {
  override name = "ChangedOnDiskError";
  constructor(readonly file: string) {
    super("ERR_NOTEBOOK_CHANGED", `${file} changed on disk during the build (saved while it ran?); nothing of its unit was written, the saved file is kept: build it again`);
  }
}

const TEMP_SUFFIX = ".docs-tmp";
const OLD_SUFFIX = ".docs-old";
const BACKUP_SUFFIX = ".docs-bak";

interface Rename {
  temp: string;
  target: string;
  /** Where a hard link to the file being replaced is kept, to put it back if a later rename fails. */
  backup: string;
}

/** What a unit is doing, on disk while it runs, so the next build can finish or undo it. */
export interface Journal {
  version: 1;
  phase: "writing" | "committing";
  renames: Rename[];
  deletes: string[];
}

function sibling(path: string, suffix: string): string {
  // Cut long names, so a temporary name is never too long where its target's name fits.
  return join(dirname(path), `.${basename(path).slice(0, 96)}.${process.pid}-${randomBytes(4).toString("hex")}${suffix}`);
}

function reason(e: unknown): string {
  const error = e as NodeJS.ErrnoException;
  return error.code ? `${error.code}: ${error.message.replace(/^\w+: /, "").replace(/, \w+ '.*'$/, "")}` : String(error.message ?? e);
}

async function removeQuietly(fs: FileSystem, path: string): Promise<void> {
  await fs.unlink(path).catch((e: unknown) => {
    if (errnoCode(e) !== "ENOENT") throw e;
  });
}

/** Writes `content` to a new file and proves it is all there and on disk: size checked, fsynced. */
async function writeComplete(fs: FileSystem, path: string, content: Buffer, mode: number): Promise<void> {
  const file = await fs.open(path, "wx", mode);
  try {
    let offset = 0;
    while (offset < content.length) {
      const { bytesWritten } = await file.write(content, offset, content.length - offset, offset);
      if (bytesWritten <= 0) throw Object.assign(new Error(`short write: ${offset} of ${content.length} bytes`), { code: "EIO" });
      offset += bytesWritten;
    }
    await file.sync();
    const { size } = await file.stat();
    if (size !== content.length) throw Object.assign(new Error(`short write: ${size} of ${content.length} bytes on disk`), { code: "EIO" });
  } finally {
    await file.close();
  }
}

/** Writes a small file (the journal) atomically on its own. */
async function writeSmall(fs: FileSystem, path: string, content: Buffer): Promise<void> {
  await ensureDir(fs, dirname(path), []);
  const temp = sibling(path, TEMP_SUFFIX);
  try {
    await writeComplete(fs, temp, content, 0o644);
    await fs.rename(temp, path);
  } catch (e) {
    await removeQuietly(fs, temp).catch(() => undefined);
    throw e;
  }
}

async function ensureDir(fs: FileSystem, dir: string, created: string[]): Promise<void> {
  try {
    const st = await fs.lstat(dir);
    if (st.isDirectory()) return;
    throw Object.assign(new Error(`${dir} is not a folder`), { code: "ENOTDIR" });
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e;
  }
  await ensureDir(fs, dirname(dir), created);
  await fs.mkdir(dir);
  created.push(dir);
}

/**
 * Commits a set of files as one unit: every new file is first written completely to a
 * temporary file beside its target (size checked, fsynced); only when all are complete are
 * they renamed into place, then deleted files removed. A failure before the renames removes
 * the temporaries and changes nothing; a failing rename puts back what was already replaced.
 * A journal on disk lets the next build finish a unit whose process died during the renames.
 * Unchanged files are left untouched. Returns the paths changed.
 */
export async function commitUnit(changes: readonly Change[], options: UnitOptions): Promise<string[]> {
  const { fs, bounds, show } = options;
  const writes: { target: string; content: Buffer; mode: number; was: Buffer | undefined }[] = [];
  const deletes: string[] = [];
  for (const change of changes) {
    try {
      await bounds.check(fs, change.path);
    } catch (e) {
      if (e instanceof DocsError) throw e;
      throw new WriteError(show(change.path), reason(e), e);
    }
    let current: Buffer | undefined;
    let mode = 0o644;
    try {
      const st = await fs.lstat(change.path);
      if (st.isDirectory()) throw new WriteError(show(change.path), "a folder is in the way");
      mode = st.mode & 0o777;
      current = await fs.readFile(change.path);
    } catch (e) {
      if (e instanceof WriteError) throw e;
      if (errnoCode(e) !== "ENOENT") throw new WriteError(show(change.path), reason(e), e);
    }
    if (change.content === null) {
      if (current !== undefined) deletes.push(change.path);
    } else if (!current?.equals(change.content)) {
      writes.push({ target: change.path, content: change.content, mode, was: current });
    }
  }
  if (writes.length === 0 && deletes.length === 0) return [];

  // Backup names are in the journal from the start, so a build dying at any point leaves nothing unnamed.
  const journal: Journal = {
    version: 1,
    phase: "writing",
    renames: writes.map((w) => ({ temp: sibling(w.target, TEMP_SUFFIX), target: w.target, backup: sibling(w.target, BACKUP_SUFFIX) })),
    deletes,
  };
  const replaced = new Set<Rename>();
  const saveJournal = (): Promise<void> => writeSmall(fs, options.journalPath, Buffer.from(JSON.stringify(journal, null, 1) + "\n"));
  const created: string[] = [];
  const undoWriting = async (): Promise<void> => {
    for (const r of journal.renames) {
      await removeQuietly(fs, r.temp).catch(() => undefined);
      await removeQuietly(fs, r.backup).catch(() => undefined);
      await removeQuietly(fs, asideOf(r)).catch(() => undefined);
    }
    for (const dir of created.reverse()) await fs.rmdir(dir).catch(() => undefined);
    await removeQuietly(fs, options.journalPath).catch(() => undefined);
  };

  let current = options.journalPath;
  try {
    await saveJournal();
    for (const [i, w] of writes.entries()) {
      current = w.target;
      await ensureDir(fs, dirname(w.target), created);
      await writeComplete(fs, journal.renames[i]!.temp, w.content, w.mode);
    }
    current = "";
    await options.beforeCommit?.();
    for (const [i, r] of journal.renames.entries()) {
      current = r.target;
      try {
        await fs.link(r.target, r.backup);
        replaced.add(r);
      } catch (e) {
        if (errnoCode(e) !== "ENOENT") throw e;
      }
      // The backup holds whatever is at the target now: it must be what was read, else the file
      // changed since (an editor's save) and is not replaced.
      const kept = replaced.has(r) ? await fs.readFile(r.backup) : undefined;
      const was = writes[i]!.was;
      if (kept === undefined ? was !== undefined : was === undefined || !kept.equals(was)) throw new ChangedOnDiskError(show(r.target));
    }
    current = options.journalPath;
    journal.phase = "committing";
    await saveJournal();
  } catch (e) {
    await undoWriting();
    if (e instanceof DocsError) throw e;
    throw new WriteError(show(current), reason(e), e);
  }

  const done: Rename[] = [];
  for (const r of journal.renames) {
    try {
      await replaceVerified(fs, r, replaced.has(r), show);
      done.push(r);
    } catch (e) {
      // Put back what this unit already replaced, so no file of it is newer than the others.
      for (const d of done.reverse()) {
        if (replaced.has(d)) await fs.rename(d.backup, d.target).catch(() => undefined);
        else await removeQuietly(fs, d.target).catch(() => undefined);
      }
      await undoWriting();
      if (e instanceof DocsError) throw e;
      throw new WriteError(show(r.target), reason(e), e);
    }
  }
  const touched = new Set(journal.renames.map((r) => dirname(r.target)));
  await finishCommit(fs, journal, bounds, touched);
  await removeQuietly(fs, options.journalPath);
  return [...writes.map((w) => w.target), ...deletes];
}

/** Where the file a rename replaced is moved aside, derived from the backup's name (recovery removes it too). */
const asideOf = (r: Rename): string => r.backup.slice(0, -BACKUP_SUFFIX.length) + OLD_SUFFIX;

/**
 * Puts a unit's temporary file in place of its target, and proves it replaced exactly the file
 * the build read (the backup, a hard link made and checked before): the target is moved aside and
 * compared with the backup by inode before the new file is linked in, and the link fails when
 * anything arrived at the target meanwhile. A file saved there during the commit (an editor's
 * temp file and rename) is never replaced: it is put back or left in place, and the unit fails.
 */
async function replaceVerified(fs: FileSystem, r: Rename, hadTarget: boolean, show: (p: string) => string): Promise<void> {
  if (hadTarget) {
    const aside = asideOf(r);
    await fs.rename(r.target, aside);
    const [moved, backup] = await Promise.all([fs.lstat(aside), fs.lstat(r.backup)]);
    if (moved.ino !== backup.ino || moved.dev !== backup.dev) {
      // Another file was saved there after the backup was taken: it goes back, untouched.
      await fs.link(aside, r.target).then(() => removeQuietly(fs, aside), () => undefined);
      throw new ChangedOnDiskError(show(r.target));
    }
  }
  try {
    await fs.link(r.temp, r.target);
  } catch (e) {
    if (errnoCode(e) === "EEXIST") throw new ChangedOnDiskError(show(r.target));
    throw e;
  }
  await removeQuietly(fs, r.temp);
  if (hadTarget) await removeQuietly(fs, asideOf(r));
}

/** The part of a commit after the renames; repeatable, so recovery can run it again. */
async function finishCommit(fs: FileSystem, journal: Journal, bounds: Bounds, touched: Set<string>): Promise<void> {
  for (const path of journal.deletes) {
    // Right before the unlink: a folder above it swapped for a link since the unit was planned
    // must not make the delete reach outside.
    await bounds.check(fs, path);
    await removeQuietly(fs, path);
    touched.add(dirname(path));
    // A folder left empty by the build's own deletions goes too (an emptied <name>_files/).
    for (let dir = dirname(path); bounds.rootOf(dir) !== undefined && !bounds.roots.includes(dir); dir = dirname(dir)) {
      const left = await fs.readdir(dir).catch(() => undefined);
      if (left === undefined || left.length > 0) break;
      await fs.rmdir(dir).catch(() => undefined);
    }
  }
  for (const dir of touched) await fs.syncDir(dir).catch(() => undefined);
  for (const r of journal.renames) {
    await removeQuietly(fs, r.backup);
    await removeQuietly(fs, asideOf(r));
  }
}

function isJournal(value: unknown): value is Journal {
  const j = value as Journal;
  return (
    typeof j === "object" && j !== null && j.version === 1 && (j.phase === "writing" || j.phase === "committing") &&
    Array.isArray(j.renames) && Array.isArray(j.deletes) && j.deletes.every((d) => typeof d === "string") &&
    j.renames.every((r) => typeof r?.temp === "string" && typeof r.target === "string" && typeof r.backup === "string")
  );
}

/**
 * What a journal found on disk may touch. A notebook can write the journal (it runs with the
 * builder's rights), so a journal is obeyed only where it asks what a build of this docs folder
 * does: rename its own temporary files onto its pages, its notebooks or its records in `.cache/`,
 * and delete pages its manifest lists.
 */
export interface RecoveryScope {
  /** The project: notebooks (`*.ipynb`) and `.cache/docs-*` records may be written. */
  root: string;
  /** The docs folder of the writer recovering: its files may be written, and deleted when its manifest lists them. */
  docsDir: string;
  /** The manifest's file name in docsDir. */
  manifestName: string;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `path` is the name `sibling(target, suffix)` gives, made by some build's process. */
function isSiblingOf(path: string, target: string, suffix: string): boolean {
  if (dirname(path) !== dirname(target)) return false;
  return new RegExp(`^\\.${escapeRegExp(basename(target).slice(0, 96))}\\.\\d+-[0-9a-f]+${escapeRegExp(suffix)}$`).test(basename(path));
}

const NEVER_WRITTEN = ["node_modules", ".git", ".cache", "keys", "dist", "src"];

function writableByBuild(scope: RecoveryScope, path: string): boolean {
  const p = resolve(path);
  if (p !== scope.docsDir && isInside(p, scope.docsDir)) return true;
  if (dirname(p) === join(scope.root, ".cache")) return /^docs-/.test(basename(p)) && !/^docs-journal/.test(basename(p));
  return p.endsWith(".ipynb") && isInside(p, scope.root) && !NEVER_WRITTEN.some((d) => isInside(p, join(scope.root, d)));
}

/** Entries of the manifest as it was before the unit (its backup, kept until the unit ends) and as it is. */
async function manifestEntries(fs: FileSystem, scope: RecoveryScope, journal: Journal): Promise<Set<string>> {
  const manifest = join(scope.docsDir, scope.manifestName);
  const sources = [manifest, ...journal.renames.filter((r) => r.target === manifest).map((r) => r.backup)];
  const entries = new Set<string>();
  for (const source of sources) {
    const raw = await readIfPresent(fs, source).catch(() => undefined);
    if (raw === undefined) continue;
    try {
      const pages = (JSON.parse(raw.toString("utf8")) as { pages?: Record<string, unknown> }).pages ?? {};
      for (const files of Object.values(pages)) if (Array.isArray(files)) for (const f of files) if (typeof f === "string") entries.add(resolve(scope.docsDir, f));
    } catch {
      // An unreadable manifest lists nothing.
    }
  }
  return entries;
}

/** The first thing the journal asks that no build of this scope does, or undefined. */
async function outOfScope(fs: FileSystem, journal: Journal, scope: RecoveryScope): Promise<string | undefined> {
  for (const r of journal.renames) {
    if (!isSiblingOf(r.temp, r.target, TEMP_SUFFIX) || !isSiblingOf(r.backup, r.target, BACKUP_SUFFIX)) return `${r.temp} (not a temporary file the build names)`;
    if (!writableByBuild(scope, r.target)) return r.target;
    // The build's temporary is a regular file of its own; anything else (a link) is not renamed.
    const st = await fs.lstat(r.temp).catch(() => undefined);
    if (st !== undefined && !st.isFile()) return `${r.temp} (not a regular file)`;
  }
  const listed = journal.deletes.length > 0 ? await manifestEntries(fs, scope, journal) : new Set<string>();
  for (const d of journal.deletes) {
    const p = resolve(d);
    const record = dirname(p) === join(scope.root, ".cache") && /^docs-/.test(basename(p)) && !/^docs-journal/.test(basename(p));
    if (!record && !listed.has(p)) return `${d} (a delete of a file the manifest does not list)`;
  }
  return undefined;
}

/** Keeps a journal that is not obeyed beside it, for a person to look at; never acts on it. */
async function setAside(fs: FileSystem, journalPath: string): Promise<string> {
  const aside = `${journalPath}.refused`;
  await fs.rename(journalPath, aside).catch(() => undefined);
  return aside;
}

/**
 * Finishes or undoes a unit left by a build that died: a unit still writing is undone (its
 * temporary files removed), one that had started renaming is finished. A journal is obeyed only
 * where it asks what a build of this scope does (RecoveryScope); one that asks anything else is
 * set aside whole (`<journal>.refused`), nothing of it done. Returns a line saying what was done,
 * or undefined when there was no journal.
 */
export async function recoverUnit(fs: FileSystem, journalPath: string, bounds: Bounds, show: (p: string) => string, scope: RecoveryScope): Promise<string | undefined> {
  const raw = await readIfPresent(fs, journalPath);
  if (raw === undefined) return undefined;
  let journal: unknown;
  try {
    journal = JSON.parse(raw.toString("utf8"));
  } catch {
    journal = undefined;
  }
  if (!isJournal(journal) || ![...journal.renames.map((r) => r.target), ...journal.deletes].every((p) => bounds.rootOf(p) !== undefined)) {
    return `ignored an unreadable write journal (kept as ${show(await setAside(fs, journalPath))}); nothing was moved or deleted`;
  }
  const refused = await outOfScope(fs, journal, scope);
  if (refused !== undefined) {
    return `refused a write journal that names ${show(refused)}, which no build of ${show(scope.docsDir)} writes or deletes (kept as ${show(await setAside(fs, journalPath))}); nothing was moved or deleted`;
  }
  for (const path of [...journal.renames.map((r) => r.target), ...journal.deletes]) await bounds.check(fs, path);
  if (journal.phase === "writing") {
    for (const r of journal.renames) {
      await removeQuietly(fs, r.temp);
      await removeQuietly(fs, r.backup);
    }
    await removeQuietly(fs, journalPath);
    return `removed the temporary files of a write a previous build did not finish (${journal.renames.length} file(s))`;
  }
  for (const r of journal.renames) {
    try {
      await fs.rename(r.temp, r.target);
    } catch (e) {
      // Already renamed before the previous build died.
      if (errnoCode(e) !== "ENOENT") throw new WriteError(show(r.target), reason(e), e);
    }
    // Linked in before the previous build died: the temporary name is one more link to it.
    await removeQuietly(fs, r.temp);
  }
  await finishCommit(fs, journal, bounds, new Set(journal.renames.map((r) => dirname(r.target))));
  await removeQuietly(fs, journalPath);
  return `finished a write a previous build was stopped in (${journal.renames.length + journal.deletes.length} file(s))`;
}
