import type { IOutput } from "@jupyterlab/nbformat";

/**
 * Everything that differs between kernels, in one place: how to start one, how its sockets
 * are named, how it refuses requests after an error, how its errors read, which paths in its
 * outputs are machine-specific, and what the cache must know of it. The client, the executor
 * and the cache ask the profile; none of them names a kernel.
 */
export interface KernelProfile {
  /** The kernelspec name a notebook asks for (`metadata.kernelspec.name`). */
  readonly name: string;
  readonly displayName: string;
  readonly language: string;
  /** Where the profile came from, for messages: "built in" or the kernelspec folder. */
  readonly source: string;
  /**
   * The command line, with the connection file's path in place. `nodeOptions` (the parent
   * watchdog's preload) go right after the binary of a kernel that runs on this Node; a kernel
   * of another program leaves them out and watches JPY_PARENT_PID itself.
   */
  argv: KernelCommand;
  /** A faster start from a prepared process image, for kernels that have one (tslab: src/kernel/warm/). */
  readonly warmStart?: WarmStart;
  /**
   * Files and folders outside the system and the project the kernel reads, which a sandboxed
   * kernel sees read-only: its program's install (Node's, a virtual environment's), its packages,
   * its kernelspec folder.
   */
  readonly sandboxPaths?: () => string[];
  /** Added to the build's environment for the kernel process. */
  readonly env: Readonly<Record<string, string>>;
  /** Jupyter's `interrupt_mode`: SIGINT to the process, or an `interrupt_request` on control. */
  readonly interruptMode: "signal" | "message";
  /**
   * How the kernel names ipc sockets: jupyter_client's kernels bind `<ip>-<port>`, some
   * (the built-in ones) `<ip>:<port>`. The client connects where the kernel binds.
   */
  readonly ipcSeparator: ":" | "-";
  /**
   * Times a request the kernel answered `abort` is sent again, after `abortRetryDelayMs`. Some
   * kernels refuse requests for a moment after an error; Jupyter kernels abort only with stop_on_error,
   * which a notebook build never relies on, so for them an abort is final.
   */
  readonly abortRetries: number;
  readonly abortRetryDelayMs: number;
  /** Whether absolute paths inside the project are made relative in error text (file:// stacks of a Node kernel). */
  readonly rewritesPaths: boolean;
  /** The one line a user reads for a cell that raised, from its outputs. */
  summarizeError(outputs: readonly IOutput[]): { summary: string; line?: number };
  /** Whether a stream text reports an error raised outside the cell's own flow (after it ended). */
  reportsUncaughtError(text: string): boolean;
  /** What, besides the notebook's code, changes what the kernel prints: versions, the kernelspec. */
  fingerprint(): Promise<Record<string, string>>;
  /**
   * The files and folders fingerprint() is read from, when a stat of them vouches for it: then a
   * no-op build may answer from its stamp (cache/noop-stamp.ts). Absent: every build takes the
   * full path (a kernelspec found through the environment, say).
   */
  readonly fingerprintSources?: () => { files: string[]; dirs: string[] };
}

/** A kernel's command line, with the connection file's path and the Node options (see argv) in place. */
export type KernelCommand = (connectionFile: string, nodeOptions: readonly string[]) => string[];

export interface WarmStart {
  /**
   * The command of a warm kernel for a notebook in `cwd`, or undefined when there is no usable
   * image: then the kernel starts the normal way, with the same outputs.
   */
  command(cwd: string): Promise<KernelCommand | undefined>;
  /** A warm kernel did not start: its image is not used again (and is made anew). */
  failed(cwd: string): void;
}
