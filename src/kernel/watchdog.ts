/**
 * A parent watchdog for kernels that have none (tslab): preloaded with `node --import`, it runs
 * in a worker thread, so a cell stuck in a synchronous loop does not stop it. When the build
 * that started the kernel is gone (the kernel was re-parented, or JPY_PARENT_PID no longer
 * exists, as after a SIGKILL), it ends the kernel's descendants (found through /proc), removes
 * the kernel's private folder, and kills the kernel's process group, the kernel included.
 * Kernels that watch JPY_PARENT_PID themselves (ipykernel) get the same variable.
 */
const WORKER = String.raw`
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
const parent = workerData.parent;
function table() {
  const out = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync("/proc/" + name + "/stat", "utf8");
      out.push({ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) });
    } catch {}
  }
  return out;
}
function descendants(root) {
  const all = table();
  const found = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift();
    for (const c of all) if (c.ppid === p && !found.includes(c.pid)) { found.push(c.pid); queue.push(c.pid); }
  }
  return found;
}
setInterval(() => {
  let gone = process.ppid !== parent;
  if (!gone) { try { process.kill(parent, 0); } catch (e) { gone = e.code === "ESRCH"; } }
  if (!gone) return;
  for (const pid of descendants(process.pid)) { try { process.kill(pid, "SIGKILL"); } catch {} }
  if (workerData.dir) { try { fs.rmSync(workerData.dir, { recursive: true, force: true }); } catch {} }
  try { process.kill(-process.pid, "SIGKILL"); } catch {}
  process.kill(process.pid, "SIGKILL");
}, __INTERVAL__);
`;

// The preload only starts the worker whose source the environment carries (a short command
// line); a warm kernel, whose snapshot ignores --import, starts the same worker itself.
const PRELOAD = `
import { Worker } from "node:worker_threads";
// Out of sight, as in a kernel Jupyter starts: a notebook sees (and forks with) none of the Node
// options the build started its kernel with (this preload, the profile's V8 flags).
process.execArgv.splice(0);
const source = process.env.DOCS_WATCHDOG_WORKER;
const parent = Number(process.env.JPY_PARENT_PID);
if (source && parent > 0) new Worker(source, { eval: true, workerData: { parent, dir: process.env.DOCS_KERNEL_DIR || "" } }).unref();
`;

/** How often the kernel looks for its parent: it exits within about this long after the build dies. */
export const WATCHDOG_INTERVAL_MS = 500;

/** Node options that preload the watchdog, and the environment it reads. */
export function watchdog(parentPid: number, kernelDir: string): { execArgv: string[]; env: Record<string, string> } {
  return {
    execArgv: ["--import", `data:text/javascript,${encodeURIComponent(PRELOAD)}`],
    env: {
      JPY_PARENT_PID: String(parentPid),
      DOCS_KERNEL_DIR: kernelDir,
      DOCS_WATCHDOG_WORKER: WORKER.replace("__INTERVAL__", String(WATCHDOG_INTERVAL_MS)),
    },
  };
}
