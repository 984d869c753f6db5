// Runs one command to completion and times it from spawn to exit, optionally
// watching the memory of its process tree. Remembers what is running so that a
// stopped benchmark can stop exactly the processes it started.
import { spawn, type ChildProcess } from "node:child_process";
import { watchProcessTree, type TreePeaks } from "./process-tree.js";

export interface TimedRun {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  stdout: string;
  stderr: string;
  /** Present when the run was watched. */
  tree?: TreePeaks;
}

export interface RunSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  watch?: boolean;
}

const running = new Set<ChildProcess>();

/** Asks every command still running to stop (SIGTERM: the build then kills its kernels). */
export function stopRunning(): void {
  for (const child of running) child.kill("SIGTERM");
}

export function timedRun(spec: RunSpec): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    const watcher = spec.watch && child.pid !== undefined ? watchProcessTree(child.pid) : undefined;
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("error", (e) => {
      running.delete(child);
      void watcher?.stop();
      reject(e);
    });
    // "exit" for the time (the process is done); "close" for the complete output.
    let seconds = 0;
    child.on("exit", () => (seconds = (performance.now() - t0) / 1000));
    child.on("close", (code, signal) => {
      running.delete(child);
      const command = [spec.command, ...spec.args].join(" ");
      if (!watcher) return resolve({ command, code, signal, seconds, stdout, stderr });
      void watcher.stop().then((tree) => resolve({ command, code, signal, seconds, stdout, stderr, tree }));
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
