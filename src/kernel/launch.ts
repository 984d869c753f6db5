import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { constants } from "node:os";
import type { KernelCommand, KernelProfile } from "./profile.js";
import { KernelProcessTree } from "./process-group.js";
import type { Confinement } from "./sandbox/sandbox.js";
import { groupMembers } from "./descendants.js";
import { watchdog } from "./watchdog.js";

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
  private readonly tree: KernelProcessTree | undefined;

  private constructor(private readonly child: ChildProcess, readonly sandboxed: boolean) {
    this.tree = child.pid === undefined ? undefined : new KernelProcessTree(child.pid);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.tree?.stop();
        this.exitInfo ??= sandboxed ? fromSandbox(code, signal) : { code, signal };
        resolve(this.exitInfo);
      });
      // A program that cannot be started (not installed, say) ends as an exit with its reason.
      child.once("error", (e) => {
        if (this.exitInfo) return;
        this.tree?.stop();
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
  static start(profile: KernelProfile, connectionFile: string, cwd: string, warm?: KernelCommand, confinement?: Confinement): KernelProcess {
    // The kernel ends itself if the build dies without stopping it (SIGKILL): a preloaded
    // watchdog for a Node kernel, JPY_PARENT_PID for the others, as jupyter_client sets it.
    // A sandboxed kernel cannot see the build: its watchdog runs outside (sandbox/watchdog.ts),
    // and the preload only hides the kernel's Node options.
    const guard = watchdog(process.pid, dirname(connectionFile));
    // A warm kernel (src/kernel/warm/) is the same kernel started from a prepared process image.
    const argv = (warm ?? profile.argv)(connectionFile, guard.execArgv);
    const launch = confinement
      ? confinement.wrap(argv, profile.env, cwd, dirname(connectionFile))
      : { argv, env: { ...process.env, ...profile.env, ...guard.env } };
    // In a sandbox a missing program would be bubblewrap's failure: it is named as spawn names it.
    if (confinement && !programExists(argv[0]!, cwd, launch.env.PATH)) throw new ProgramNotFoundError(`spawn ${argv[0]} ENOENT`);
    const [command, ...args] = launch.argv;
    const child = spawn(command!, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"], env: launch.env });
    return new KernelProcess(child, confinement !== undefined);
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

  /** Kills the kernel, its process group and every descendant recorded, also after the kernel exited. */
  kill(): void {
    this.signal("SIGKILL");
    this.tree?.endAll();
  }

  /** Notes the kernel's descendants now, while it still is their parent (before a shutdown). */
  recordDescendants(): void {
    this.tree?.record();
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exitInfo || this.child.pid === undefined) return;
    if (this.sandboxed && sig !== "SIGKILL") {
      // bubblewrap leads the group and would die of the signal, leaving the sandbox behind
      // it: the signal goes to every other process of the group (the sandbox's init ignores it).
      for (const pid of groupMembers(this.child.pid)) {
        if (pid === this.child.pid) continue;
        try {
          process.kill(pid, sig);
        } catch {
          // Gone meanwhile.
        }
      }
      return;
    }
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

/** A kernel's program that is not there to start. */
export class ProgramNotFoundError extends Error {
  override name = "ProgramNotFoundError";
}

/** Whether `program` exists as the kernel would find it: a path (relative to `cwd`), or a name on PATH. */
function programExists(program: string, cwd: string, path: string | undefined): boolean {
  if (program.includes("/")) return existsSync(resolve(cwd, program));
  return (path ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, program)));
}

/**
 * A sandboxed kernel's exit, as bubblewrap reports it: a kernel killed by a signal ends
 * bubblewrap with 128 + the signal's number; bubblewrap itself killed is a signal as usual.
 */
function fromSandbox(code: number | null, signal: NodeJS.Signals | null): ExitInfo {
  if (code === null || code <= 128 || code > 128 + 64) return { code, signal };
  const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
  return name ? { code: null, signal: name } : { code, signal };
}

/** Describes an exit for a message: "exit code 1" or "signal SIGKILL". */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? "could not start" : `exit code ${exit.code}`;
}
