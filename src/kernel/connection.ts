import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Transport = "ipc" | "tcp";

/** The connection file a Jupyter kernel reads at start (jupyter_client's format). */
export interface ConnectionInfo {
  transport: Transport;
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

export interface Connection {
  info: ConnectionInfo;
  /** Path of the connection file, inside a private folder. */
  file: string;
  /** Removes the folder with the connection file and any ipc sockets. */
  dispose(): Promise<void>;
  /** The same, for exit handlers, which cannot wait. */
  disposeSync(): void;
}

/**
 * The ZeroMQ endpoint of a channel. For ipc, jupyter_client's kernels bind `ipc://<ip>-<port>`
 * and others `ipc://<ip>:<port>` (with a colon): the kernel's profile says which, and this
 * client follows the kernel it drives. TCP is `tcp://<ip>:<port>` for every kernel.
 */
export function endpoint(info: ConnectionInfo, channel: Channel, ipcSeparator: ":" | "-" = ":"): string {
  const separator = info.transport === "ipc" ? ipcSeparator : ":";
  return `${info.transport}://${info.ip}${separator}${info[`${channel}_port`]}`;
}

/**
 * Writes a connection file readable by its owner only, in a folder of its own, with a fresh
 * random key. The default transport is ipc: sockets in that private folder cannot collide
 * between kernels started at once, unlike free TCP ports chosen before the kernel binds them.
 */
export async function createConnection(kernelName: string, transport: Transport = "ipc"): Promise<Connection> {
  // A short folder name keeps ipc socket paths under the 107-byte limit of Unix sockets.
  const dir = await mkdtemp(join(tmpdir(), "nbk-"));
  const ports = transport === "ipc" ? [1, 2, 3, 4, 5] : await freeTcpPorts(5);
  const info: ConnectionInfo = {
    transport,
    ip: transport === "ipc" ? join(dir, "k") : "127.0.0.1",
    shell_port: ports[0]!,
    iopub_port: ports[1]!,
    stdin_port: ports[2]!,
    control_port: ports[3]!,
    hb_port: ports[4]!,
    key: randomBytes(32).toString("hex"),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
  const file = join(dir, "connection.json");
  await writeFile(file, JSON.stringify(info, null, 1) + "\n", { mode: 0o600 });
  return {
    info,
    file,
    dispose: () => rm(dir, { recursive: true, force: true }),
    disposeSync: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Ports the OS reports free now; another process may still take one before the kernel binds it. */
async function freeTcpPorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<import("node:net").Server>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as import("node:net").AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
