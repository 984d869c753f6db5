import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Kernels this client can start, by kernelspec name. */
const KERNELS: Record<string, string[]> = {
  tslab: ["kernel"],
  jslab: ["kernel", "--js"],
};

export function isKnownKernel(name: string): boolean {
  return Object.hasOwn(KERNELS, name);
}

export function knownKernels(): string[] {
  return Object.keys(KERNELS);
}

/** The tslab entry point of this project's own install, so the kernel matches the lock file. */
export function tslabEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("tslab/package.json")), "bin", "tslab");
}

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
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    child.stdout?.setEncoding("utf8").on("data", (s: string) => this.log.push(s));
    child.stderr?.setEncoding("utf8").on("data", (s: string) => this.log.push(s));
  }

  /**
   * Starts `tslab kernel --config-path <file>` in `cwd`. The kernel gets a process group of
   * its own so that Ctrl-C in a terminal reaches the build, which then decides (the kernel
   * treats SIGINT as an interrupt, not as a reason to exit).
   */
  static start(kernelName: string, connectionFile: string, cwd: string, warm?: string[]): KernelProcess {
    const args = KERNELS[kernelName];
    if (!args) throw new Error(`unknown kernel "${kernelName}"`);
    // A warm kernel (src/kernel/warm/) is Node started from a snapshot, with tslab's arguments.
    const argv = [...(warm ?? []), warm ? "tslab" : tslabEntry(), ...args, "--config-path", connectionFile];
    const child = spawn(process.execPath, argv, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0", NODE_OPTIONS: "" },
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

  /** tslab stops a running synchronous loop or pending await on SIGINT. */
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
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
