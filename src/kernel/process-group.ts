import { descendantsOf, listProcesses, readProcess } from "./descendants.js";
import type { ProcessEntry } from "./descendants.js";

/** How often the kernel's descendants are recorded while it lives. */
const RECORD_EVERY_MS = 1000;

/**
 * Everything a kernel started, so that it can all be ended with the notebook. The kernel leads
 * a process group of its own (spawned detached), so one signal ends what stayed in the group;
 * a child that called setsid (`detached: true`) left the group, so descendants are also recorded
 * by walking /proc from the kernel's pid while it lives, and ended one by one. What escapes: a
 * process that double-forked and whose parent exited between two walks, and anything that
 * leaves the tree in under a second.
 */
export class KernelProcessTree {
  private readonly recorded = new Map<number, string>();
  private readonly timer: NodeJS.Timeout;
  private readonly start: string | undefined;
  private stopped = false;

  constructor(private readonly pid: number) {
    this.start = readProcess(pid)?.start;
    this.timer = setInterval(() => this.record(), RECORD_EVERY_MS);
    this.timer.unref();
  }

  /** Notes every current descendant of the kernel (and of those noted before). */
  record(): void {
    // Once the kernel is gone its pid may name another process, whose children are not ours.
    if (this.stopped || readProcess(this.pid)?.start !== this.start) return;
    const table = listProcesses();
    const roots = [this.pid, ...this.recorded.keys()];
    for (const root of roots) for (const p of descendantsOf(root, table)) this.recorded.set(p.pid, p.start);
  }

  /** Stops recording: the kernel has exited, so its pid no longer names it. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  /** Kills the kernel's process group and every recorded descendant still alive (same start time). */
  endAll(): number {
    const alive = (pid: number, start: string): ProcessEntry | undefined => {
      const now = readProcess(pid);
      return now && now.start === start ? now : undefined;
    };
    const table = listProcesses();
    const targets = new Map<number, string>(this.recorded);
    for (const [pid] of this.recorded) for (const p of descendantsOf(pid, table)) targets.set(p.pid, p.start);
    let ended = 0;
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // No process is left in the group.
    }
    for (const [pid, start] of targets) {
      if (!alive(pid, start)) continue;
      try {
        process.kill(pid, "SIGKILL");
        ended++;
      } catch {
        // Gone meanwhile.
      }
    }
    return ended;
  }
}
