import { Channels, type ReplyChannel } from "./channels.js";
import { createConnection, type Connection, type Transport } from "./connection.js";
import { KernelDiedError, KernelError, KernelStartError, KernelUnresponsiveError, RequestTimeoutError } from "./errors.js";
import { resolveKernel } from "./kernelspec.js";
import { KernelProcess, ProgramNotFoundError } from "./launch.js";
import { socketsBound } from "./sockets-bound.js";
import type { ExecuteReplyContent, JupyterMessage, KernelInfoReplyContent, StatusContent } from "./messages.js";
import type { KernelCommand, KernelProfile } from "./profile.js";
import type { Confinement, KernelSandbox } from "./sandbox/sandbox.js";
import { warmStartNotice } from "./warm/notice.js";
import { newHeader } from "./wire.js";

export interface StartOptions {
  /** The kernel to start: its profile, or a kernelspec name resolved with resolveKernel. */
  kernel: KernelProfile | string;
  /** Working directory of the kernel: the notebook's folder, so relative paths work as in Jupyter. */
  cwd: string;
  transport?: Transport;
  startTimeoutMs?: number;
  /** Stream text decoded per message, at most; the rest is counted only (see wire.ts). */
  maxStreamText?: number;
  /** Stops a start under way: the kernel is killed and start() rejects. */
  signal?: AbortSignal;
  /** Runs the kernel in this sandbox where it starts (see sandbox/sandbox.ts); without it, unconfined. */
  sandbox?: KernelSandbox;
}

export interface RequestOptions {
  timeoutMs: number;
  /** Every iopub message answering this request, in the order the kernel sent them. */
  onIopub?: (msg: JupyterMessage) => void;
  /** Whether the request ends only when the kernel is idle for it (default) or at its reply. */
  untilIdle?: boolean;
}

/** How long a status for kernel_info may trail its reply before it is asked again. */
const IOPUB_GRACE_MS = 200;
/** How long a kernel whose ipc sockets are bound may leave kernel_info unanswered before it is replaced. */
const UNRESPONSIVE_MS = 10_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface ExecuteContent {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  user_expressions?: Record<string, string>;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
}

interface Pending {
  onIopub?: (msg: JupyterMessage) => void;
  reply?: JupyterMessage;
  idle: boolean;
  settle: () => void;
}

/**
 * One kernel, from start to shutdown: launch, connect, wait until it answers on shell and
 * publishes on iopub, then requests. A request is complete when its reply has arrived and
 * the kernel has gone idle for it on iopub, so no output is lost to the race between sockets.
 */
export class KernelClient {
  /** Kernels not yet shut down, killed on process exit so that none outlives the build. */
  private static readonly live = new Set<KernelClient>();
  private static exitHookInstalled = false;

  readonly session = crypto.randomUUID();
  private readonly pending = new Map<string, Pending>();
  /** Called for iopub messages of requests already complete (output printed after a cell ended). */
  onLateIopub: ((msg: JupyterMessage) => void) | undefined;
  /** Messages dropped for a bad signature; a kernel that sends them is not the one we started. */
  readonly rejected: Error[] = [];
  private channels: Channels | undefined;
  private disposed = false;
  info: KernelInfoReplyContent = {};
  /** Set by the first iopub message: from then on the subscription is known to work. */
  private iopubLive = false;

  private constructor(readonly process: KernelProcess, private readonly connection: Connection, readonly profile: KernelProfile) {}

  static async start(options: StartOptions): Promise<KernelClient> {
    const profile = typeof options.kernel === "string" ? await resolveKernel(options.kernel) : options.kernel;
    const confinement = await options.sandbox?.confinement(profile.sandboxPaths?.() ?? []);
    if (confinement && options.transport === "tcp") {
      throw new KernelStartError("the sandbox gives a kernel a network of its own, which tcp cannot reach: use the ipc transport (the default) or no sandbox");
    }
    // A snapshot problem never fails a build: a warm kernel that does not start is started cold.
    const warm = await profile.warmStart?.command(options.cwd).catch(() => undefined);
    // After the warm command, which may wait for a snapshot being made (bounded on its own).
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    if (warm) {
      try {
        return await KernelClient.launch(options, profile, deadline, confinement, warm);
      } catch (e) {
        if (options.signal?.aborted || !(e instanceof KernelStartError)) throw e;
        // An unresponsive kernel is replaced (below); it says nothing about the snapshot.
        if (!(e instanceof KernelUnresponsiveError)) {
          warmStartNotice(`warm kernel did not start (${e.message}); starting it cold, remaking the snapshot`);
          profile.warmStart?.failed(options.cwd);
        }
      }
    }
    try {
      return await KernelClient.launch(options, profile, deadline, confinement);
    } catch (e) {
      // A kernel whose bound sockets never answer cannot recover (see sockets-bound.ts): a new one can.
      if (!(e instanceof KernelUnresponsiveError) || options.signal?.aborted) throw e;
      return KernelClient.launch(options, profile, deadline, confinement);
    }
  }

  private static async launch(options: StartOptions, profile: KernelProfile, deadline: number, confinement: Confinement | undefined, warm?: KernelCommand): Promise<KernelClient> {
    const connection = await createConnection(profile.name, options.transport);
    let proc: KernelProcess;
    try {
      proc = KernelProcess.start(profile, connection.file, options.cwd, warm, confinement);
    } catch (e) {
      await connection.dispose();
      if (e instanceof ProgramNotFoundError) throw new KernelStartError(`kernel "${profile.name}" could not be started: ${e.message} (from ${profile.source})`);
      throw new KernelStartError(`cannot start kernel "${profile.name}": ${(e as Error).message}`);
    }
    const client = new KernelClient(proc, connection, profile);
    KernelClient.track(client);
    const onAbort = (): void => proc.kill();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const seconds = Math.round((options.startTimeoutMs ?? 60_000) / 1000);
    try {
      await socketsBound(connection.info, proc, deadline, seconds, options.signal, profile.ipcSeparator);
      client.channels = new Channels(connection.info, {
        message: (channel, msg) => client.dispatch(channel, msg),
        rejected: (_channel, error) => client.rejected.push(error),
      }, options.maxStreamText === undefined ? {} : { maxStreamText: options.maxStreamText }, profile.ipcSeparator);
      await client.waitUntilReady(deadline, seconds, connection.info.transport === "ipc");
    } catch (e) {
      await client.shutdown();
      if (e instanceof KernelDiedError && e.exit.code === null && e.exit.signal === null) {
        // Its program could not be run at all (not installed, say): the system's reason says why.
        throw new KernelStartError(`kernel "${profile.name}" could not be started: ${proc.output.trim()} (from ${profile.source})`, e.log);
      }
      if (e instanceof KernelDiedError) throw new KernelStartError(`kernel exited while starting (${e.message})`, e.log);
      if (e instanceof RequestTimeoutError) {
        const seen = client.info.protocol_version === undefined ? "no reply on shell" : "replies on shell, nothing on iopub";
        throw new KernelStartError(`kernel did not answer within ${e.seconds} s of its start (${seen})`, proc.output);
      }
      throw e;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
    return client;
  }

  private static track(client: KernelClient): void {
    KernelClient.live.add(client);
    if (KernelClient.exitHookInstalled) return;
    KernelClient.exitHookInstalled = true;
    // A second Ctrl-C exits at once: no kernel and no connection file may stay behind.
    process.once("exit", () => {
      for (const live of KernelClient.live) {
        live.killNow();
        live.connection.disposeSync();
      }
    });
  }

  /**
   * iopub is a PUB socket: messages published before our subscription reaches the kernel
   * are lost. So kernel_info is asked until its iopub status arrives too, not only its reply.
   */
  private async waitUntilReady(deadline: number, seconds: number, bound: boolean): Promise<void> {
    const unresponsiveAt = Date.now() + UNRESPONSIVE_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new RequestTimeoutError(seconds);
      // Bound sockets answer kernel_info at once; silence this long means a socket lost to the bind race.
      if (bound && this.info.protocol_version === undefined && Date.now() >= unresponsiveAt) {
        throw new KernelUnresponsiveError(`kernel bound its sockets but did not answer within ${UNRESPONSIVE_MS / 1000} s`, this.process.output);
      }
      try {
        // The reply alone ends the request here: a status lost on iopub must not cost a timeout.
        const reply = await this.request("shell", "kernel_info_request", {}, { timeoutMs: Math.min(left, 1000), untilIdle: false });
        this.info = reply.content as KernelInfoReplyContent;
        // The kernel published busy and idle for it: once one arrives, iopub is live.
        for (let waited = 0; !this.iopubLive && waited < IOPUB_GRACE_MS; waited += 10) await sleep(10);
        if (this.iopubLive) return;
      } catch (e) {
        if (!(e instanceof RequestTimeoutError)) throw e;
      }
    }
  }

  async execute(content: ExecuteContent, options: RequestOptions): Promise<ExecuteReplyContent> {
    const reply = await this.request("shell", "execute_request", {
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
      ...content,
    }, options);
    return reply.content as unknown as ExecuteReplyContent;
  }

  /**
   * Sends a request and resolves with its reply once the kernel is idle for it; rejects when
   * the kernel dies or the time runs out (the request is then forgotten, not cancelled).
   */
  async request(channel: ReplyChannel, msgType: string, content: unknown, options: RequestOptions): Promise<JupyterMessage> {
    if (this.disposed) throw new KernelError("kernel already shut down");
    const header = newHeader(msgType, this.session);
    const id = header.msg_id;
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<JupyterMessage>((resolve, reject) => {
      const entry: Pending = {
        idle: false,
        settle: () => {
          if (entry.reply && (entry.idle || options.untilIdle === false)) resolve(entry.reply);
        },
      };
      if (options.onIopub) entry.onIopub = options.onIopub;
      this.pending.set(id, entry);
      timer = setTimeout(() => reject(new RequestTimeoutError(Math.round(options.timeoutMs / 100) / 10)), options.timeoutMs);
      this.process.exited.then((exit) => reject(new KernelDiedError(exit, this.process.output)), () => undefined);
    });
    try {
      if (!this.channels) throw new KernelError("kernel not connected");
      await this.channels.send(channel, { identities: [], header, parent_header: {}, metadata: {}, content, buffers: [] });
      return await done;
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }

  private dispatch(channel: ReplyChannel | "iopub", msg: JupyterMessage): void {
    if (channel === "iopub") this.iopubLive = true;
    const parentId = msg.parent_header.msg_id;
    const entry = parentId === undefined ? undefined : this.pending.get(parentId);
    if (channel !== "iopub") {
      if (entry && msg.header.msg_type.endsWith("_reply")) {
        entry.reply = msg;
        entry.settle();
      }
      return;
    }
    if (!entry) {
      if (msg.header.msg_type !== "status") this.onLateIopub?.(msg);
      return;
    }
    if (msg.header.msg_type === "status") {
      if ((msg.content as unknown as StatusContent).execution_state === "idle") {
        entry.idle = true;
        entry.settle();
      }
      entry.onIopub?.(msg);
      return;
    }
    entry.onIopub?.(msg);
  }

  /** The connection file; its folder (ipc sockets included) goes away on shutdown. */
  get connectionFile(): string {
    return this.connection.file;
  }

  /** Stops what the kernel is running, as Jupyter's interrupt button does: a signal, or a message on control. */
  interrupt(): void {
    if (this.profile.interruptMode === "signal") {
      this.process.interrupt();
      return;
    }
    const header = newHeader("interrupt_request", this.session);
    this.channels?.send("control", { identities: [], header, parent_header: {}, metadata: {}, content: {}, buffers: [] })?.catch(() => undefined);
  }

  /**
   * Asks the kernel to shut down, then makes sure: a kernel that does not exit in time (a
   * server left open in a cell keeps Node alive) is killed with its process group.
   */
  async shutdown(graceMs = 2000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.process.hasExited) {
      this.process.recordDescendants();
      try {
        const header = newHeader("shutdown_request", this.session);
        await this.channels?.send("control", { identities: [], header, parent_header: {}, metadata: {}, content: { restart: false }, buffers: [] });
      } catch {
        // The kernel is killed below anyway.
      }
      await this.process.waitOrKill(graceMs);
    }
    // What the notebook started ends with it, on success too.
    this.process.kill();
    this.channels?.close();
    await this.connection.dispose();
    KernelClient.live.delete(this);
  }

  /** Synchronous last resort for process exit handlers: no kernel outlives the build. */
  killNow(): void {
    this.process.kill();
  }
}
