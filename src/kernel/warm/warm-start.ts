import { existsSync } from "node:fs";
import { makeSnapshot } from "./make-snapshot.js";
import { warmStartNotice as notice } from "./notice.js";
import { currentKey, sameKey, snapshotPaths, storedKey } from "./snapshot-store.js";

/** Snapshots being remade by this process, by folder: each at most once. */
const remaking = new Map<string, Promise<void>>();

function remake(folder: string): void {
  if (remaking.has(folder)) return;
  remaking.set(folder, makeSnapshot(folder).then(
    () => notice(`warm kernel: snapshot for ${folder} remade`),
    (e: unknown) => notice(`warm kernel: snapshot for ${folder} not remade: ${(e as Error).message}`),
  ));
}

/**
 * The node arguments of a tslab kernel that starts from the snapshot made for `cwd`, or
 * undefined when there is none to use: then the kernel starts the normal way. A snapshot made
 * for other modules, another Node or another script is remade in the background for the next
 * kernel; a folder without one (prepare makes it for notebooks/) stays without.
 */
export async function warmArguments(kernelName: string, cwd: string): Promise<string[] | undefined> {
  if (kernelName !== "tslab" || process.env.DOCS_WARM_KERNEL === "0") return undefined;
  const paths = snapshotPaths(cwd);
  const stored = storedKey(paths);
  if (!stored || remaking.has(cwd)) return undefined;
  if (!sameKey(stored, await currentKey(cwd)) || !existsSync(paths.blob)) {
    notice(`warm kernel: snapshot for ${cwd} is stale; this kernel starts cold, the snapshot is remade`);
    remake(cwd);
    return undefined;
  }
  return ["--snapshot-blob", paths.blob];
}
