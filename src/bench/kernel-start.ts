// Kernel start alone, warm (from the snapshot) and cold, each in the sandbox and without, in
// turns: time until the kernel answers, and the CPU its processes burned by then (the kernel's
// own and its threads', bubblewrap's and the watchdog's, from /proc).
import { readFile } from "node:fs/promises";
import { KernelClient } from "../kernel/client.js";
import { descendantsOf } from "../kernel/descendants.js";
import { KernelSandbox } from "../kernel/sandbox/sandbox.js";
import { findProject } from "../project.js";
import { median } from "./timed-run.js";

export interface KernelStarts {
  /** Seconds from spawn to ready, median of the runs. */
  readySeconds: number;
  /** CPU seconds of the kernel process when ready (user + system), median. */
  cpuSeconds: number;
  runs: number;
}

const TICKS_PER_SECOND = 100;

async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  if (stat === "") return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function once(cwd: string, warm: boolean, sandbox: KernelSandbox | undefined): Promise<{ ready: number; cpu: number }> {
  const previous = process.env.DOCS_WARM_KERNEL;
  process.env.DOCS_WARM_KERNEL = warm ? "1" : "0";
  const started = performance.now();
  try {
    const client = await KernelClient.start({ kernel: "tslab", cwd, ...(sandbox ? { sandbox } : {}) });
    const ready = (performance.now() - started) / 1000;
    const pid = client.process.pid!;
    const cpus = await Promise.all([pid, ...descendantsOf(pid).map((p) => p.pid)].map(cpuSecondsOf));
    const cpu = cpus.reduce((a, b) => a + b, 0);
    await client.shutdown();
    return { ready, cpu };
  } finally {
    if (previous === undefined) delete process.env.DOCS_WARM_KERNEL;
    else process.env.DOCS_WARM_KERNEL = previous;
  }
}

export interface KernelStartTimes {
  warm: KernelStarts;
  cold: KernelStarts;
  /** The same in the kernel sandbox; undefined where it does not start. */
  sandboxed?: { warm: KernelStarts; cold: KernelStarts; };
}

/** `runs` warm and `runs` cold starts in `cwd`, in the sandbox and without, alternating so that all see the same load. */
export async function measureKernelStarts(cwd: string, runs: number): Promise<KernelStartTimes> {
  const sandbox = new KernelSandbox({ projectRoot: findProject(cwd).root });
  const confined = (await sandbox.ready()).ok;
  const warm: { ready: number; cpu: number }[] = [];
  const cold: { ready: number; cpu: number }[] = [];
  const warmSandboxed: { ready: number; cpu: number }[] = [];
  const coldSandboxed: { ready: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    warm.push(await once(cwd, true, undefined));
    if (confined) warmSandboxed.push(await once(cwd, true, sandbox));
    cold.push(await once(cwd, false, undefined));
    if (confined) coldSandboxed.push(await once(cwd, false, sandbox));
  }
  const summary = (xs: { ready: number; cpu: number }[]): KernelStarts => ({
    readySeconds: median(xs.map((x) => x.ready)),
    cpuSeconds: median(xs.map((x) => x.cpu)),
    runs: xs.length,
  });
  return { warm: summary(warm), cold: summary(cold), ...(confined ? { sandboxed: { warm: summary(warmSandboxed), cold: summary(coldSandboxed) } } : {}) };
}
