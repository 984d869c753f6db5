import { existsSync, rmSync } from "node:fs";
import { makeSnapshot } from "./make-snapshot.js";
import { warmStartNotice as notice } from "./notice.js";
import { currentKey, sameKey, snapshotPaths, storedKey } from "./snapshot-store.js";
// The snapshot builder and every kernel started from it run with the flags of every tslab kernel (V8 refuses a snapshot made under others).
import { TSLAB_NODE_FLAGS } from "../profiles/tslab-node-flags.js";

/** Snapshots being remade by this process, by folder; each is remade at most once a process. */
const remaking = new Map<string, Promise<void>>();
const remade = new Set<string>();
/** Folders already said to have no snapshot: one line each. */
const told = new Set<string>();

function remake(folder: string): void {
  if (remade.has(folder)) return;
  remade.add(folder);
  remaking.set(folder, makeSnapshot(folder).then(
    () => notice(`warm kernel: snapshot for ${folder} remade`),
    (e: unknown) => notice(`warm kernel: snapshot for ${folder} not remade: ${(e as Error).message}`),
  ).finally(() => remaking.delete(folder)));
}

/**
 * The node arguments of a tslab kernel that starts from the snapshot made for `cwd`, or
 * undefined when there is none to use: then the kernel starts the normal way. A snapshot made
 * for other modules, another Node or another script is remade in the background for the next
 * kernel; a folder without one stays without (prepare makes it for notebooks/), so builds in
 * throw-away folders do not pay for a snapshot they would use once.
 */
export async function warmArguments(cwd: string): Promise<string[] | undefined> {
  if (process.env.DOCS_WARM_KERNEL === "0") return undefined;
  const paths = snapshotPaths(cwd);
  const stored = storedKey(paths);
  if (remaking.has(cwd)) return undefined;
  if (!stored) {
    if (!told.has(cwd)) notice(`warm kernel: no snapshot for ${cwd} (npm run warm-kernel makes one); kernels there start cold`);
    told.add(cwd);
    return undefined;
  }
  if (!sameKey(stored, await currentKey(cwd)) || !existsSync(paths.blob)) {
    notice(`warm kernel: snapshot for ${cwd} is stale; this kernel starts cold, the snapshot is remade`);
    remake(cwd);
    return undefined;
  }
  return [...TSLAB_NODE_FLAGS, "--snapshot-blob", paths.blob];
}

/** A snapshot that did not start a kernel is not used again; it is remade for the next kernel. */
export function warmStartFailed(cwd: string): void {
  rmSync(snapshotPaths(cwd).keyFile, { force: true });
  remake(cwd);
}
