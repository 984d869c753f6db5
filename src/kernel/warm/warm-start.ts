import { existsSync, rmSync } from "node:fs";
import { makeSnapshot, recordFailure } from "./make-snapshot.js";
import { warmStartNotice as notice } from "./notice.js";
import { snapshotMakingAllowed, trackSnapshot } from "./policy.js";
import { currentKey, failedKey, sameKey, snapshotPaths, storedKey } from "./snapshot-store.js";
// The snapshot builder and every kernel started from it run with the flags of every tslab kernel (V8 refuses a snapshot made under others).
import { TSLAB_NODE_FLAGS } from "../profiles/tslab-node-flags.js";

/** Longest a build spends making one snapshot (5 s on an idle machine); then it goes on cold. */
const MAKE_WITHIN_MS = 120_000;

/** Snapshots being made by this process, by folder; each is made at most once a process. */
const remaking = new Map<string, Promise<void>>();
const remade = new Set<string>();
/** Folders already said to start cold: one line each. */
const told = new Set<string>();

function tellOnce(folder: string, line: string): void {
  if (!told.has(folder)) notice(line);
  told.add(folder);
}

/**
 * Makes the snapshot for `folder` in the background, for the kernels that start after it: once a
 * process, and never again for a key a build already failed to make one for (npm run
 * warm-kernel tries again). A failure costs speed only: it is said under --verbose.
 */
function remake(folder: string): void {
  if (remade.has(folder)) return;
  remade.add(folder);
  const making = (async () => {
    const key = await currentKey(folder);
    const failed = failedKey(snapshotPaths(folder));
    if (failed && sameKey(failed, key)) {
      notice(`warm kernel: a snapshot for ${folder} could not be made for these modules before; kernels there start cold (npm run warm-kernel tries again)`);
      return;
    }
    try {
      await makeSnapshot(folder, { timeoutMs: MAKE_WITHIN_MS });
      notice(`warm kernel: snapshot for ${folder} remade`);
    } catch (e) {
      const reason = (e as Error).message;
      notice(`warm kernel: snapshot for ${folder} not remade: ${reason}`);
      await recordFailure(folder, key, reason).catch(() => undefined);
    }
  })().catch((e: unknown) => notice(`warm kernel: snapshot for ${folder} not remade: ${(e as Error).message}`));
  remaking.set(folder, making);
  trackSnapshot(making);
  void making.finally(() => remaking.delete(folder));
}

/**
 * The node arguments of a tslab kernel that starts from the snapshot made for `cwd`, or
 * undefined when there is none to use: then the kernel starts the normal way. A snapshot that
 * is missing (a moved or copied checkout, a new folder) or made for other modules, another
 * Node or another script is made in the background by a build that holds the build lock, for
 * the kernels after this one; other processes (`--check`, the kernel client alone) only start
 * cold.
 */
export async function warmArguments(cwd: string): Promise<string[] | undefined> {
  if (process.env.DOCS_WARM_KERNEL === "0") return undefined;
  if (remaking.has(cwd)) return undefined;
  const paths = snapshotPaths(cwd);
  const stored = storedKey(paths);
  const may = snapshotMakingAllowed();
  if (!stored) {
    if (may) {
      tellOnce(cwd, `warm kernel: no snapshot for ${cwd}; this kernel starts cold, the snapshot is made for the next ones`);
      remake(cwd);
    } else {
      tellOnce(cwd, `warm kernel: no snapshot for ${cwd} (a build or npm run warm-kernel makes one); kernels there start cold`);
    }
    return undefined;
  }
  if (!sameKey(stored, await currentKey(cwd)) || !existsSync(paths.blob)) {
    if (may) {
      tellOnce(cwd, `warm kernel: snapshot for ${cwd} is stale; this kernel starts cold, the snapshot is remade`);
      remake(cwd);
    } else {
      tellOnce(cwd, `warm kernel: snapshot for ${cwd} is stale (a build or npm run warm-kernel remakes it); kernels there start cold`);
    }
    return undefined;
  }
  return [...TSLAB_NODE_FLAGS, "--snapshot-blob", paths.blob];
}

/** A snapshot that did not start a kernel is not used again; a build remakes it for the next kernel. */
export function warmStartFailed(cwd: string): void {
  rmSync(snapshotPaths(cwd).keyFile, { force: true });
  if (snapshotMakingAllowed()) remake(cwd);
}
