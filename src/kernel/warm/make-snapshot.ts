import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { currentKey, entryScript, snapshotPaths, tslabDir, WARM_NODE_FLAGS } from "./snapshot-store.js";

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
export async function makeSnapshot(folder: string): Promise<void> {
  const paths = snapshotPaths(folder);
  const key = await currentKey(folder);
  await mkdir(dirname(paths.blob), { recursive: true });
  await rm(paths.keyFile, { force: true });
  const tmp = `${paths.blob}.${process.pid}`;
  // The snapshot builder runs a plain script without `exports`, which compiled CommonJS expects.
  await writeFile(`${tmp}.cjs`, `var exports = {};\n${await readFile(entryScript, "utf8")}`);
  try {
    const child = spawn(process.execPath, [...WARM_NODE_FLAGS, "--snapshot-blob", `${tmp}.blob`, "--build-snapshot", `${tmp}.cjs`, tslabDir()], {
      cwd: folder,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    track(child);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-4000)));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, s) => resolve([c, s]));
    });
    if (code !== 0) throw new Error(`node --build-snapshot ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().split("\n").slice(-3).join(" ")}`);
    await rename(`${tmp}.blob`, paths.blob);
    await writeFile(`${tmp}.json`, JSON.stringify(key, null, 1) + "\n");
    await rename(`${tmp}.json`, paths.keyFile);
  } finally {
    await Promise.all([`${tmp}.cjs`, `${tmp}.blob`, `${tmp}.json`].map((f) => rm(f, { force: true })));
  }
}
