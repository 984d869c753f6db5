import * as fsp from "node:fs/promises";
import type { Stats } from "node:fs";

/** The part of an open file the writer uses: enough to check a complete, durable write. */
export interface WritableFile {
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  stat(): Promise<Stats>;
  close(): Promise<void>;
}

/**
 * Every file operation the writer performs. Injectable, so a test can make a disk full, a write
 * short or a rename fail at a chosen file without a real full disk.
 */
export interface FileSystem {
  open(path: string, flags: string, mode?: number): Promise<WritableFile>;
  readFile(path: string): Promise<Buffer>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  link(existing: string, path: string): Promise<void>;
  lstat(path: string): Promise<Stats>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /** fsync of a folder, so the renames in it survive a power cut. */
  syncDir(path: string): Promise<void>;
}

export const nodeFileSystem: FileSystem = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  readFile: (path) => fsp.readFile(path),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  link: (existing, path) => fsp.link(existing, path),
  lstat: (path) => fsp.lstat(path),
  mkdir: async (path) => {
    await fsp.mkdir(path);
  },
  rmdir: (path) => fsp.rmdir(path),
  readdir: (path) => fsp.readdir(path),
  syncDir: async (path) => {
    const handle = await fsp.open(path, "r");
    try {
      await handle.sync();
    } catch (e) {
      // Some file systems cannot fsync a folder; the file data itself was synced.
      if (!["EINVAL", "EISDIR", "EBADF"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
    } finally {
      await handle.close();
    }
  },
};

export function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** A file's content, or undefined when there is none. */
export async function readIfPresent(fs: FileSystem, path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined;
    throw e;
  }
}
