import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** Why a file could not be read within its bound; `reason` completes "<path>: …". */
export class BoundedReadError extends Error {
  override name = "BoundedReadError";
  constructor(readonly path: string, readonly reason: string, readonly errno?: string) {
    super(`${path}: ${reason}`);
  }
}

const MiB = 1024 * 1024;
export const describeBytes = (n: number): string => (n >= MiB ? `${Math.round((n / MiB) * 10) / 10} MiB` : `${n} bytes`);

/**
 * Reads a regular file of at most `limit` bytes. The file is opened without blocking (a FIFO
 * would otherwise wait for a writer forever), checked on the open descriptor (no swap between
 * check and read), and read no further than the limit (a file that grows, or /dev/zero, cannot
 * fill memory).
 */
export async function readBounded(path: string, limit: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    throw new BoundedReadError(path, error.code === "ENOENT" ? "no such file" : error.message, error.code);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new BoundedReadError(path, "not a regular file");
    if (info.size > limit) throw new BoundedReadError(path, `${describeBytes(info.size)}, over the limit of ${describeBytes(limit)}`);
    // One byte more than the file should hold: filling it means the file grew while read.
    const buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
    }
    throw new BoundedReadError(path, "changed while it was read");
  } finally {
    await handle.close();
  }
}
