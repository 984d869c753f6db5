import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Publisher, Router } from "zeromq";
import { createConnection, endpoint, type Channel, type Connection } from "../../src/kernel/connection.js";
import { KernelDiedError, RequestTimeoutError } from "../../src/kernel/errors.js";
import type { ExitInfo } from "../../src/kernel/launch.js";
import { listeningTcpPorts, socketsBound } from "../../src/kernel/sockets-bound.js";

// The kernel here is this process binding real ZeroMQ sockets where a kernel would.
const connections: Connection[] = [];
after(async () => {
  await Promise.all(connections.map((c) => c.dispose()));
});

function kernel(exit?: ExitInfo) {
  return { hasExited: exit, exited: new Promise<ExitInfo>(() => undefined), output: "kernel log" };
}

test("resolves only once every ipc socket of the kernel is bound", async () => {
  const connection = await createConnection("tslab");
  connections.push(connection);
  let bound = false;
  const waiting = socketsBound(connection.info, kernel(), Date.now() + 20_000, 20).then(() => bound);
  const sockets = [];
  for (const channel of ["iopub", "shell", "control", "stdin", "hb"] as Channel[]) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    const socket = channel === "iopub" ? new Publisher({ linger: 0 }) : new Router({ linger: 0 });
    await socket.bind(endpoint(connection.info, channel));
    sockets.push(socket);
    if (channel === "stdin") await new Promise((resolve) => setTimeout(resolve, 30));
    if (channel !== "hb") assert.equal(await Promise.race([waiting, Promise.resolve("pending")]), "pending", `resolved before ${channel} and the rest were bound`);
    if (channel === "hb") bound = true;
  }
  assert.equal(await waiting, true);
  for (const s of sockets) s.close();
});

test("over tcp, resolves only once every port of the kernel is listening, without connecting to it", async () => {
  const connection = await createConnection("tslab", "tcp");
  connections.push(connection);
  const waiting = socketsBound(connection.info, kernel(), Date.now() + 20_000, 20).then(() => "bound");
  const sockets = [];
  for (const channel of ["iopub", "shell", "control", "stdin", "hb"] as Channel[]) {
    assert.equal(await Promise.race([waiting, new Promise((resolve) => setTimeout(() => resolve("pending"), 30))]), "pending", `resolved before ${channel} was bound`);
    const socket = channel === "iopub" ? new Publisher({ linger: 0 }) : new Router({ linger: 0 });
    // A connection would show as an accepted peer: none may arrive before the client connects.
    socket.events.on("accept", () => assert.fail(`something connected to ${channel} while the kernel was binding`));
    await socket.bind(endpoint(connection.info, channel));
    sockets.push(socket);
  }
  assert.equal(await waiting, "bound");
  const listening = await listeningTcpPorts();
  for (const channel of ["iopub", "shell", "control", "stdin", "hb"] as Channel[]) assert.ok(listening?.has(connection.info[`${channel}_port`]), channel);
  for (const s of sockets) s.close();
});

test("fails with the kernel's exit when it exits before binding, and with a timeout when it never binds", async () => {
  const connection = await createConnection("tslab");
  connections.push(connection);
  await assert.rejects(socketsBound(connection.info, kernel({ code: 1, signal: null }), Date.now() + 20_000, 20), (e: unknown) => {
    assert.ok(e instanceof KernelDiedError);
    assert.equal(e.log, "kernel log");
    return true;
  });
  await assert.rejects(socketsBound(connection.info, kernel(), Date.now() + 100, 7), (e: unknown) => e instanceof RequestTimeoutError && e.seconds === 7);
});

test("waits for the socket files as the kernel names them: jupyter_client's kernels bind <ip>-<port>", async () => {
  const connection = await createConnection("python3");
  connections.push(connection);
  const sockets = [];
  for (const channel of ["iopub", "shell", "control", "stdin", "hb"] as Channel[]) {
    const socket = channel === "iopub" ? new Publisher({ linger: 0 }) : new Router({ linger: 0 });
    await socket.bind(endpoint(connection.info, channel, "-"));
    sockets.push(socket);
  }
  await socketsBound(connection.info, kernel(), Date.now() + 5_000, 5, undefined, "-");
  // The same kernel waited for under the other naming never looks bound.
  await assert.rejects(socketsBound(connection.info, kernel(), Date.now() + 200, 0.2), RequestTimeoutError);
  for (const s of sockets) s.close();
});
