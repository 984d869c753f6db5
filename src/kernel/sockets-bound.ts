import { stat } from "node:fs/promises";
import { endpoint, type ConnectionInfo } from "./connection.js";
import { KernelDiedError, RequestTimeoutError } from "./errors.js";
import type { KernelProcess } from "./launch.js";

const POLL_MS = 5;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the kernel has bound all its ipc sockets (their files exist), so that the client
 * connects to listening sockets instead of connecting first and reconnecting.
 *
 * Why it matters beyond the reconnect wait: zeromq.js runs zmq_bind on a libuv worker thread,
 * while tslab already receives on those sockets from the main thread. A connection arriving
 * during the bind signals the socket's mailbox, and the main thread then reads the socket's
 * command queue (ZMQ_EVENTS) while the worker thread is inside zmq_bind, which reads it too.
 * ZeroMQ sockets are not thread-safe: a command can be lost, and that kernel socket never
 * delivers again (the rare "kernel did not answer within 60 s"). Connecting after the binds
 * keeps connections out of that window. tcp has no files to watch; there the client
 * reconnects every few milliseconds instead (see channels.ts).
 */
export async function socketsBound(
  info: ConnectionInfo,
  proc: Pick<KernelProcess, "hasExited" | "exited" | "output">,
  deadline: number,
  seconds: number,
  signal?: AbortSignal,
  ipcSeparator: ":" | "-" = ":",
): Promise<void> {
  if (info.transport !== "ipc") return;
  // The files the kernel binds, named as this kernel names them (see KernelProfile.ipcSeparator).
  const files = (["shell", "iopub", "stdin", "control", "hb"] as const).map((c) => endpoint(info, c, ipcSeparator).slice("ipc://".length));
  for (;;) {
    const present = await Promise.all(files.map((f) => stat(f).then(() => true, () => false)));
    if (present.every(Boolean)) {
      // A file appears inside zmq_bind, just before it returns: one more tick lets it return.
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
