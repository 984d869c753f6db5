import { mkdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { DocsError } from "../errors.js";
import type { Project } from "../project.js";

/** The lock's folder under .cache/. */
export const LOCK_NAME = "docs-build.lock";

/** A lock not refreshed for this long belongs to a build that was killed, and is taken over. */
const STALE_MS = 10_000;

export interface LockOptions {
  /** Wait for another build to finish (default), or fail at once. */
  wait: boolean;
  /** Told once when this build starts waiting. */
  onWait: (lockPath: string) => void;
  /** Told when the lock was lost while held (its folder removed, or not refreshed in time). */
  onCompromised: (error: Error) => void;
}

/**
 * One writing build at a time per project: a lock folder under .cache/, refreshed while the
 * build runs. Returns the function that releases it.
 */
export async function acquireBuildLock(project: Project, options: LockOptions): Promise<() => Promise<void>> {
  const { default: lockfile } = await import("proper-lockfile");
  const cacheDir = join(project.root, ".cache");
  const lockfilePath = join(cacheDir, LOCK_NAME);
  await mkdir(cacheDir, { recursive: true });
  const settings = { lockfilePath, realpath: false, stale: STALE_MS, onCompromised: options.onCompromised };
  try {
    return await lockfile.lock(project.root, { ...settings, retries: 0 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
  }
  const shown = relative(project.root, lockfilePath);
  if (!options.wait) {
    throw new DocsError("ERR_LOCKED", `another build of this project is running (lock ${shown}); try again when it has finished, or leave out --no-wait to wait for it`);
  }
  options.onWait(shown);
  return lockfile.lock(project.root, { ...settings, retries: { forever: true, minTimeout: 200, maxTimeout: 1000 } });
}
