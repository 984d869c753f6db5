import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { test } from "node:test";
import { createConnection, endpoint } from "../../src/kernel/connection.js";

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
