// Kernel start alone, warm (from the snapshot) and cold, in turns: time until the kernel
// answers, and the CPU its process burned by then (its own and its threads', from /proc).
import { readFile } from "node:fs/promises";
import { KernelClient } from "../kernel/client.js";
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
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name).
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function once(cwd: string, warm: boolean): Promise<{ ready: number; cpu: number }> {
  const previous = process.env.DOCS_WARM_KERNEL;
  process.env.DOCS_WARM_KERNEL = warm ? "1" : "0";
  const started = performance.now();
  try {
    const client = await KernelClient.start({ kernel: "tslab", cwd });
    const ready = (performance.now() - started) / 1000;
    const cpu = await cpuSecondsOf(client.process.pid!);
    await client.shutdown();
    return { ready, cpu };
  } finally {
    if (previous === undefined) delete process.env.DOCS_WARM_KERNEL;
    else process.env.DOCS_WARM_KERNEL = previous;
  }
}

/** `runs` warm and `runs` cold starts in `cwd`, alternating so that both see the same load. */
export async function measureKernelStarts(cwd: string, runs: number): Promise<{ warm: KernelStarts; cold: KernelStarts }> {
  const warm: { ready: number; cpu: number }[] = [];
  const cold: { ready: number; cpu: number }[] = [];
  for (let i = 0; i < runs; i++) {
    warm.push(await once(cwd, true));
    cold.push(await once(cwd, false));
  }
  const summary = (xs: { ready: number; cpu: number }[]): KernelStarts => ({
    readySeconds: median(xs.map((x) => x.ready)),
    cpuSeconds: median(xs.map((x) => x.cpu)),
    runs: xs.length,
  });
  return { warm: summary(warm), cold: summary(cold) };
}
