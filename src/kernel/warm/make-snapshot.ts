import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { findProject } from "../../project.js";
import { Bounds } from "../../write/bounds.js";
import { nodeFileSystem } from "../../write/fs-layer.js";
import { commitUnit } from "../../write/unit.js";
import { currentKey, entryScript, snapshotPaths, tslabDir, type SnapshotKey } from "./snapshot-store.js";
// The snapshot builder and every kernel started from it run with the flags of every tslab kernel (V8 refuses a snapshot made under others).
import { TSLAB_NODE_FLAGS } from "../profiles/tslab-node-flags.js";

/** Snapshot builders running now; killed on exit, so none outlives the build. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of running) c.kill("SIGKILL");
  });
}

/**
 * Makes the warm kernel's snapshot for one notebook folder: `node --build-snapshot` runs the
 * snapshot script in that folder. The blob is written under a temporary name and renamed, and
 * its key written last, so a failed or stopped build leaves no snapshot that looks usable.
 */
export async function makeSnapshot(folder: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const paths = snapshotPaths(folder);
  const key = await currentKey(folder);
  const tmp = `${paths.blob}.${process.pid}`;
  // The snapshot lives in the project's .cache/: the writer's bounds refuse a linked .cache or
  // file there before anything is written, renamed or deleted, as for every file the build writes.
  const bounds = new Bounds([findProject(folder).root]);
  for (const path of [paths.blob, paths.keyFile, paths.failedFile, `${tmp}.cjs`, `${tmp}.blob`]) await bounds.check(nodeFileSystem, path);
  await mkdir(dirname(paths.blob), { recursive: true });
  await rm(paths.keyFile, { force: true });
  await rm(paths.failedFile, { force: true });
  // The snapshot builder runs a plain script without `exports`, which compiled CommonJS expects.
  await writeFile(`${tmp}.cjs`, `var exports = {};\n${await readFile(entryScript, "utf8")}`);
  try {
    const child = spawn(process.execPath, [...TSLAB_NODE_FLAGS, "--snapshot-blob", `${tmp}.blob`, "--build-snapshot", `${tmp}.cjs`, tslabDir()], {
      cwd: folder,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    track(child);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-4000)));
    let timedOut = false;
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, s) => resolve([c, s]));
    }).finally(() => clearTimeout(timer));
    if (timedOut) throw new Error(`node --build-snapshot took longer than ${Math.round(options.timeoutMs! / 1000)} s`);
    if (code !== 0) throw new Error(`node --build-snapshot ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().split("\n").slice(-3).join(" ")}`);
    await rename(`${tmp}.blob`, paths.blob);
    // The key last, complete and fsynced: it is what says the blob may be used.
    const content = Buffer.from(JSON.stringify(key, null, 1) + "\n", "utf8");
    await commitUnit([{ path: paths.keyFile, content }], { fs: nodeFileSystem, bounds, journalPath: `${tmp}.journal.json`, show: (p) => p });
  } finally {
    await Promise.all([`${tmp}.cjs`, `${tmp}.blob`].map((f) => rm(f, { force: true })));
  }
}

/** Records that a snapshot for `key` could not be made, and why: builds do not try that key again. */
export async function recordFailure(folder: string, key: SnapshotKey, reason: string): Promise<void> {
  const paths = snapshotPaths(folder);
  const bounds = new Bounds([findProject(folder).root]);
  const content = Buffer.from(JSON.stringify({ key, reason }, null, 1) + "\n", "utf8");
  await commitUnit([{ path: paths.failedFile, content }], { fs: nodeFileSystem, bounds, journalPath: `${paths.failedFile}.${process.pid}.journal.json`, show: (p) => p });
}
