import { existsSync, rmSync } from "node:fs";
import { makeSnapshot, recordFailure } from "./make-snapshot.js";
import { warmStartNotice as notice } from "./notice.js";
import { snapshotMakingAllowed, trackSnapshot } from "./policy.js";
import { currentKey, failedKey, sameKey, snapshotPaths, storedKey } from "./snapshot-store.js";
// The snapshot builder and every kernel started from it run with the flags of every tslab kernel (V8 refuses a snapshot made under others).
import { TSLAB_NODE_FLAGS } from "../profiles/tslab-node-flags.js";

/** Longest a build spends making one snapshot (5 s on an idle machine, 25 s at a load of 14); then its kernels start cold. */
const MAKE_WITHIN_MS = 60_000;

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
 * Makes the snapshot for `folder`; kernels about to start there wait for it. Once a process, and never again for a key a build already failed to make one for (npm run
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

type SnapshotState = "fresh" | "missing" | "stale";

async function stateOf(cwd: string): Promise<SnapshotState> {
  const paths = snapshotPaths(cwd);
  const stored = storedKey(paths);
  if (!stored) return "missing";
  return sameKey(stored, await currentKey(cwd)) && existsSync(paths.blob) ? "fresh" : "stale";
}

const argumentsFor = (cwd: string): string[] => [...TSLAB_NODE_FLAGS, "--snapshot-blob", snapshotPaths(cwd).blob];

/**
 * The node arguments of a tslab kernel that starts from the snapshot made for `cwd`, or
 * undefined when there is none to use: then the kernel starts the normal way. A snapshot that
 * is missing (a moved or copied checkout, a new folder) or made for other modules, another
 * Node or another script is made by a build that holds the build lock, and this kernel and the
 * ones started meanwhile wait for it: 5 s once, against 1.5 s more for every cold start and
 * slower first cells (measured: a copied checkout's first forced build took 17.6 s so, against
 * 20.7 s with the snapshot made beside kernels starting cold). Other processes (`--check`, the
 * kernel client alone) start cold.
 */
export async function warmArguments(cwd: string): Promise<string[] | undefined> {
  if (process.env.DOCS_WARM_KERNEL === "0") return undefined;
  await remaking.get(cwd);
  const state = await stateOf(cwd);
  if (state === "fresh") return argumentsFor(cwd);
  if (!snapshotMakingAllowed()) {
    tellOnce(cwd, state === "missing"
      ? `warm kernel: no snapshot for ${cwd} (a build or npm run warm-kernel makes one); kernels there start cold`
      : `warm kernel: snapshot for ${cwd} is stale (a build or npm run warm-kernel remakes it); kernels there start cold`);
    return undefined;
  }
  // Made at most once a process: a kernel that comes while it is made waits for it; after a
  // failed attempt (its notice said why) kernels start cold.
  if (!remade.has(cwd)) {
    tellOnce(cwd, state === "missing"
      ? `warm kernel: no snapshot for ${cwd}; making it, the kernels there wait for it`
      : `warm kernel: snapshot for ${cwd} is stale; remaking it, the kernels there wait for it`);
    remake(cwd);
  }
  await remaking.get(cwd);
  return (await stateOf(cwd)) === "fresh" ? argumentsFor(cwd) : undefined;
}

/** A snapshot that did not start a kernel is not used again; a build remakes it for the next kernel. */
export function warmStartFailed(cwd: string): void {
  rmSync(snapshotPaths(cwd).keyFile, { force: true });
  if (snapshotMakingAllowed()) remake(cwd);
}
