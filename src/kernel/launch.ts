import { spawn, type ChildProcess } from "node:child_process";
import type { KernelProfile } from "./profile.js";

/** Keeps the last bytes a process wrote, for the message when it dies. */
class Tail {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  toString(): string {
    const text = this.chunks.join("");
    return text.length > this.limit ? text.slice(-this.limit) : text;
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running kernel process: its exit, its log, and the signals the build may send it. */
export class KernelProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private readonly log = new Tail(16 * 1024);

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo ??= { code, signal };
        resolve(this.exitInfo);
      });
      // A program that cannot be started (not installed, say) ends as an exit with its reason.
      child.once("error", (e) => {
        if (this.exitInfo) return;
        this.log.push(`${e.message}\n`);
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
    child.stdout?.setEncoding("utf8").on("data", (s: string) => this.log.push(s));
    child.stderr?.setEncoding("utf8").on("data", (s: string) => this.log.push(s));
  }

  /**
   * Starts the kernel its profile describes (its command line with the connection file) in
   * `cwd`. The kernel gets a process group of its own so that Ctrl-C
   * in a terminal reaches the build, which then decides (kernels treat SIGINT as an
   * interrupt, not as a reason to exit).
   */
  static start(profile: KernelProfile, connectionFile: string, cwd: string): KernelProcess {
    const [command, ...args] = profile.argv(connectionFile);
    const child = spawn(command!, args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...profile.env },
    });
    return new KernelProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** What the kernel process printed outside the protocol (start-up failures, crashes). */
  get output(): string {
    return this.log.toString();
  }

  /** For signal-mode kernels, which stop the running code on SIGINT. */
  interrupt(): void {
    this.signal("SIGINT");
  }

  kill(): void {
    this.signal("SIGKILL");
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exitInfo || this.child.pid === undefined) return;
    try {
      // The whole group: anything the notebook spawned goes too.
      process.kill(-this.child.pid, sig);
    } catch {
      this.child.kill(sig);
    }
  }

  /** Waits for the exit, killing the process if it takes longer than `ms`. */
  async waitOrKill(ms: number): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === "timeout") {
      this.kill();
      return this.exited;
    }
    return first;
  }
}

/** Describes an exit for a message: "exit code 1" or "signal SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? "could not start" : `exit code ${exit.code}`;
}
