// Peak memory of a process and everything it starts, read from /proc while it runs.
// VmHWM is the kernel's own high-water mark, so a spike between two polls still counts
// as long as the process is polled once after it.
import { readdir, readFile } from "node:fs/promises";

export interface ProcessPeak {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22): with the pid, names the process for good. */
  startTime: number;
  cmdline: string;
  peakBytes: number;
}

export interface TreePeaks {
  root: ProcessPeak | undefined;
  /** Every descendant seen, in the order they were first seen. */
  descendants: ProcessPeak[];
  /** Highest sum of the resident memory of the whole tree at one poll. */
  peakTreeBytes: number;
}

/** Parent → children through /proc/<pid>/task/<tid>/children: no scan of all of /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "")));
  return lists.flatMap((l) => l.split(" ").filter((s) => s !== "").map(Number));
}

/** Parent → children from every /proc/<pid>/stat: slower, but misses nothing that is alive. */
async function childrenTable(): Promise<Map<number, number[]>> {
  const table = new Map<number, number[]>();
  const pids = (await readdir("/proc")).filter((e) => /^\d+$/.test(e));
  await Promise.all(pids.map(async (entry) => {
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid)) return;
    table.set(ppid, [...(table.get(ppid) ?? []), Number(entry)]);
  }));
  return table;
}

/** Resident memory now and at its highest, in bytes; undefined once the process is gone. */
async function memoryOf(pid: number): Promise<{ rss: number; hwm: number } | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const rss = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (rss === undefined) return undefined;
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? rss;
  return { rss: Number(rss) * 1024, hwm: Number(hwm) * 1024 };
}

export async function startTimeOf(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const value = rest[19]; // field 22 overall
  return value === undefined ? undefined : Number(value);
}

async function cmdlineOf(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  return raw.split("\0").filter((s) => s !== "").join(" ");
}

/** Polls the tree under `rootPid` every `intervalMs` until `stop()`, which resolves to the peaks. */
export function watchProcessTree(rootPid: number, intervalMs = 50, fullScanEvery = 10): { stop(): Promise<TreePeaks> } {
  const seen = new Map<number, ProcessPeak>();
  let peakTreeBytes = 0;
  let stopped = false;

  const record = async (pid: number): Promise<number> => {
    const mem = await memoryOf(pid);
    if (!mem) return 0;
    const cmdline = await cmdlineOf(pid);
    let entry = seen.get(pid);
    if (!entry) {
      entry = { pid, startTime: (await startTimeOf(pid)) ?? 0, cmdline, peakBytes: 0 };
      seen.set(pid, entry);
    } else if (cmdline !== "" && entry.cmdline !== cmdline) {
      // Seen between fork and exec, the child still showed its parent's memory; exec starts
      // afresh. (An empty cmdline only means the process is exiting.)
      entry.cmdline = cmdline;
      entry.peakBytes = 0;
    }
    entry.peakBytes = Math.max(entry.peakBytes, mem.hwm, mem.rss);
    return mem.rss;
  };

  // The children files are cheap but documented as unreliable while threads run, so every
  // `fullScanEvery`-th poll walks the whole process table instead.
  const pollOnce = async (full: boolean): Promise<void> => {
    const table = full ? await childrenTable() : undefined;
    let total = 0;
    const queue = [rootPid];
    while (queue.length > 0) {
      const pid = queue.shift()!;
      total += await record(pid);
      queue.push(...(table ? (table.get(pid) ?? []) : await childrenOf(pid)));
    }
    peakTreeBytes = Math.max(peakTreeBytes, total);
  };

  // One poll at a time: a slow poll delays the next instead of piling up.
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      await pollOnce(n % fullScanEvery === 0);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    async stop(): Promise<TreePeaks> {
      stopped = true;
      await loop;
      const all = [...seen.values()];
      return {
        root: all.find((p) => p.pid === rootPid),
        descendants: all.filter((p) => p.pid !== rootPid),
        peakTreeBytes,
      };
    },
  };
}

/**
 * A tslab kernel, as the build and Jupyter both start it: `… tslab … kernel …`; not the
 * bubblewrap or the shell around a sandboxed one, whose command lines hold the kernel's.
 */
export function isTslabKernel(p: ProcessPeak): boolean {
  const program = p.cmdline.split(" ")[0] ?? "";
  if (/(^|\/)(bwrap|sh)$/.test(program)) return false;
  return p.cmdline.includes("tslab") && /(^|\s)kernel(\s|$)/.test(p.cmdline);
}

/** Whether the process `p` names is still running (same pid, same start time, not a zombie). */
export async function stillRunning(p: ProcessPeak): Promise<boolean> {
  const stat = await readFile(`/proc/${p.pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  return stat !== "" && state !== "Z" && state !== "X" && Number(fields[19]) === p.startTime;
}
