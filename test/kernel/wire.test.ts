import assert from "node:assert/strict";
import { statSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { createConnection, endpoint } from "../../src/kernel/connection.js";
import { decodeMessage, encodeMessage, newHeader, sign, WireError } from "../../src/kernel/wire.js";
import type { JupyterMessage } from "../../src/kernel/messages.js";

const key = Buffer.from("secret-key");

function message(): JupyterMessage<unknown> {
  return {
    identities: [Buffer.from("id-1")],
    header: newHeader("execute_request", "session-1"),
    parent_header: {},
    metadata: {},
    content: { code: "1 + 1", ünïcode: "✓" },
    buffers: [Buffer.from([1, 2, 3])],
  };
}

test("a message survives encode and decode, identities and buffers included", () => {
  const msg = message();
  const decoded = decodeMessage(encodeMessage(msg, key), key);
  assert.deepEqual(decoded, msg);
});

test("the signature is HMAC-SHA256 over the four JSON parts", () => {
  const frames = encodeMessage(message(), key);
  const at = frames.findIndex((f) => f.toString() === "<IDS|MSG>");
  assert.equal(frames[at + 1]!.toString(), sign(key, frames.slice(at + 2, at + 6)));
  assert.match(frames[at + 1]!.toString(), /^[0-9a-f]{64}$/);
});

test("a tampered or wrongly keyed message is rejected", () => {
  const frames = encodeMessage(message(), key);
  const at = frames.findIndex((f) => f.toString() === "<IDS|MSG>");
  const tampered = [...frames];
  tampered[at + 5] = Buffer.from(JSON.stringify({ code: "process.exit()" }));
  assert.throws(() => decodeMessage(tampered, key), WireError);
  assert.throws(() => decodeMessage(frames, Buffer.from("other-key")), /signature does not match/);
  assert.throws(() => decodeMessage(frames.slice(at + 1), key), /delimiter/);
});

test("the connection file is private and names a fresh key; ipc endpoints use tslab's colon form", async () => {
  const a = await createConnection("tslab");
  const b = await createConnection("tslab");
  try {
    assert.equal(statSync(a.file).mode & 0o777, 0o600);
    assert.equal(statSync(a.file.replace(/\/[^/]+$/, "")).mode & 0o077, 0, "folder closed to others");
    const info = JSON.parse(readFileSync(a.file, "utf8"));
    assert.equal(info.signature_scheme, "hmac-sha256");
    assert.match(info.key, /^[0-9a-f]{64}$/);
    assert.notEqual(info.key, b.info.key);
    assert.equal(endpoint(a.info, "shell"), `ipc://${a.info.ip}:${a.info.shell_port}`);
    assert.notEqual(a.info.ip, b.info.ip, "two kernels never share sockets");
  } finally {
    await a.dispose();
    await b.dispose();
  }
  const tcp = await createConnection("tslab", "tcp");
  try {
    assert.equal(tcp.info.ip, "127.0.0.1");
    assert.equal(new Set([tcp.info.shell_port, tcp.info.iopub_port, tcp.info.stdin_port, tcp.info.control_port, tcp.info.hb_port]).size, 5);
  } finally {
    await tcp.dispose();
  }
});
