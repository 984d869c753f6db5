import { readFile, stat } from "node:fs/promises";
import { endpoint, type ConnectionInfo } from "./connection.js";
import { KernelDiedError, RequestTimeoutError } from "./errors.js";
import type { KernelProcess } from "./launch.js";

const POLL_MS = 5;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the kernel has bound all its sockets, so that the client connects to listening
 * sockets instead of connecting first and reconnecting: over ipc until their files exist, over
 * tcp until the kernel's ports are listening (Linux's socket table says so without connecting).
 *
 * Why it matters beyond the reconnect wait: zeromq.js runs zmq_bind on a libuv worker thread,
 * while tslab already receives on those sockets from the main thread. A connection arriving
 * during the bind signals the socket's mailbox, and the main thread then reads the socket's
 * command queue (ZMQ_EVENTS) while the worker thread is inside zmq_bind, which reads it too.
 * ZeroMQ sockets are not thread-safe: a command can be lost, and that kernel socket never
 * delivers again (the rare "kernel did not answer within 60 s"). Connecting after the binds
 * keeps connections out of that window. Where the socket table cannot be read, a tcp client
 * connects at once and reconnects every few milliseconds (see channels.ts).
 */
export async function socketsBound(
  info: ConnectionInfo,
  proc: Pick<KernelProcess, "hasExited" | "exited" | "output">,
  deadline: number,
  seconds: number,
  signal?: AbortSignal,
  ipcSeparator: ":" | "-" = ":",
): Promise<void> {
  const channels = ["shell", "iopub", "stdin", "control", "hb"] as const;
  // The files the kernel binds, named as this kernel names them (see KernelProfile.ipcSeparator).
  const files = channels.map((c) => endpoint(info, c, ipcSeparator).slice("ipc://".length));
  const ports = channels.map((c) => info[`${c}_port`]);
  const bound = async (): Promise<boolean | undefined> => {
    if (info.transport === "ipc") return (await Promise.all(files.map((f) => stat(f).then(() => true, () => false)))).every(Boolean);
    const listening = await listeningTcpPorts();
    return listening && ports.every((p) => listening.has(p));
  };
  for (;;) {
    const now = await bound();
    if (now === undefined) return;
    if (now) {
      // A file or listening port appears inside zmq_bind, just before it returns: one more tick lets it return.
      await sleep(POLL_MS);
      return;
    }
    const exit = proc.hasExited;
    if (exit) throw new KernelDiedError(exit, proc.output);
    if (signal?.aborted) throw new KernelDiedError(await proc.exited, proc.output);
    if (Date.now() >= deadline) throw new RequestTimeoutError(seconds);
    await sleep(POLL_MS);
  }
}

/**
 * The local TCP ports in the LISTEN state, from /proc/net/tcp and tcp6 (this network namespace's
 * socket table); undefined where there is no such table to read.
 */
export async function listeningTcpPorts(): Promise<Set<number> | undefined> {
  const tables = await Promise.all(["/proc/net/tcp", "/proc/net/tcp6"].map((f) => readFile(f, "utf8").catch(() => undefined)));
  if (tables.every((t) => t === undefined)) return undefined;
  const ports = new Set<number>();
  for (const table of tables) {
    // "  sl  local_address rem_address   st …": local_address is <hex ip>:<hex port>, st 0A is LISTEN.
    for (const line of (table ?? "").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== "0A" || !local) continue;
      ports.add(parseInt(local.slice(local.lastIndexOf(":") + 1), 16));
    }
  }
  return ports;
}
