import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { descendantsOf, readProcess } from "../../src/kernel/descendants.js";

test("descendantsOf walks the tree breadth first, whatever the order of the table", () => {
  const table = [
    { pid: 40, ppid: 30, start: "4" },
    { pid: 20, ppid: 10, start: "2" },
    { pid: 30, ppid: 20, start: "3" },
    { pid: 21, ppid: 10, start: "2" },
    { pid: 99, ppid: 1, start: "9" },
  ];
  assert.deepEqual(descendantsOf(10, table).map((p) => p.pid), [20, 21, 30, 40]);
  assert.deepEqual(descendantsOf(99, table), []);
});

test("readProcess reads a live child from /proc, even one that left the process group", async (t) => {
  const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
  t.after(() => child.kill("SIGKILL"));
  await new Promise((resolve) => child.once("spawn", resolve));
  const entry = readProcess(child.pid!);
  assert.equal(entry?.ppid, process.pid);
  assert.match(entry?.start ?? "", /^\d+$/);
  assert.ok(descendantsOf(process.pid).some((p) => p.pid === child.pid));
});
