import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { KernelClient } from "../../src/kernel/client.js";
import { KernelDiedError, RequestTimeoutError } from "../../src/kernel/errors.js";
import type { JupyterMessage } from "../../src/kernel/messages.js";
import { DisplayRegistry, OutputCollector } from "../../src/kernel/to-output.js";
import { ProjectCopy } from "../support/project-copy.js";

/** Runs code and returns the reply with the iopub messages of the request. */
async function run(client: KernelClient, code: string, timeoutMs = 20_000) {
  const messages: JupyterMessage[] = [];
  const reply = await client.execute({ code }, { timeoutMs, onIopub: (m) => messages.push(m) });
  const collector = new OutputCollector({ maxTextLength: 1 << 20, registry: new DisplayRegistry() });
  messages.forEach((m) => collector.handle(m));
  return { reply, messages, outputs: collector.outputs };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The kernels run in a project copy's notebooks/ folder with a warm-kernel snapshot, as in a
// checkout after `npm ci`: they start in a third of a second instead of a second and a half.
let copy: ProjectCopy;
before(async () => {
  copy = await ProjectCopy.create({ notebooks: false, warm: true });
});
after(async () => copy?.dispose());

describe("KernelClient against a real tslab kernel", () => {
  let client: KernelClient;
  let cwd: string;
  before(async () => {
    cwd = copy.path("notebooks");
    client = await KernelClient.start({ kernel: "tslab", cwd });
  });
  after(async () => {
    await client.shutdown();
  });

  test("reports TypeScript as its language", () => {
    assert.equal(client.info.language_info?.name, "typescript");
    assert.equal(client.info.implementation, "tslab");
  });

  test("runs code in the requested working directory", async () => {
    const { outputs } = await run(client, "process.cwd()");
    assert.deepEqual(outputs, [{ output_type: "stream", name: "stdout", text: `${cwd}\n` }]);
  });

  test("keeps streams in the order they were written, last value as stdout", async () => {
    const { reply, outputs, messages } = await run(client, 'console.log("one"); console.error("two"); console.log("three"); 6 * 7');
    assert.equal(reply.status, "ok");
    assert.deepEqual(outputs.map((o) => [o.name, o.text]), [["stdout", "one\n"], ["stderr", "two\n"], ["stdout", "three\n"], ["stdout", "42\n"]]);
    assert.equal(messages[0]?.header.msg_type, "status", "busy comes first");
    assert.equal(messages.at(-1)?.content.execution_state, "idle", "idle comes last");
  });

  test("counts executions 1, 2, 3 … from the kernel's reply", async () => {
    const a = await run(client, "1");
    const b = await run(client, "2");
    assert.equal(b.reply.execution_count, (a.reply.execution_count ?? 0) + 1);
  });

  test("collects display_data, and updates a display by id", async () => {
    const { outputs } = await run(client, [
      'import { display, newDisplay } from "tslab";',
      'display.markdown("**bold**");',
      "const d = newDisplay();",
      'd.text("first");',
      'd.text("second");',
    ].join("\n"));
    assert.deepEqual(outputs, [
      { output_type: "display_data", data: { "text/markdown": "**bold**" }, metadata: {} },
      { output_type: "display_data", data: { "text/plain": "second" }, metadata: {} },
    ]);
  });

  test("reports a thrown error as an error reply with stderr text", async () => {
    const { reply, outputs } = await run(client, 'throw new TypeError("bad input")');
    assert.equal(reply.status, "error");
    const text = outputs.map((o) => o.text).join("");
    assert.match(text, /TypeError: bad input/);
  });

  test("answers abort right after an error, then runs again", async () => {
    await run(client, 'throw new Error("x")');
    const refused = await run(client, "1 + 1");
    assert.equal(refused.reply.status, "abort");
    assert.deepEqual(refused.outputs, []);
    await new Promise((r) => setTimeout(r, 300));
    const ok = await run(client, "1 + 1");
    assert.equal(ok.reply.status, "ok");
  });

  test("reports a TypeScript compile error as an error reply", async () => {
    await new Promise((r) => setTimeout(r, 300));
    const { reply, outputs } = await run(client, 'const n: number = "text";');
    assert.equal(reply.status, "error");
    assert.match(outputs.map((o) => o.text).join(""), /1:7 - Type 'string' is not assignable to type 'number'/);
  });

  test("rejects with a timeout when a cell runs too long, and SIGINT stops a sync loop", async () => {
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(run(client, "while (true) {}", 1500), RequestTimeoutError);
    client.interrupt();
    // The loop is broken by the interrupt: the kernel answers again (after its abort window).
    let status = "abort";
    for (let i = 0; i < 20 && status !== "ok"; i++) {
      await new Promise((r) => setTimeout(r, 300));
      status = (await run(client, '"alive"')).reply.status;
    }
    assert.equal(status, "ok");
  });
});

describe("KernelClient lifecycle", () => {
  test("rejects with KernelDiedError when the kernel exits mid-cell, and cleans up", async () => {
    const client = await KernelClient.start({ kernel: "tslab", cwd: copy.path("notebooks") });
    const pid = client.process.pid!;
    await assert.rejects(run(client, "process.exit(3)"), (e: unknown) => {
      assert.ok(e instanceof KernelDiedError);
      assert.equal(e.exit.code, 3);
      return true;
    });
    await client.shutdown();
    assert.equal(isAlive(pid), false);
  });

  test("shutdown kills a kernel kept alive by an open server, and removes the connection folder", async () => {
    const client = await KernelClient.start({ kernel: "tslab", cwd: copy.path("notebooks"), transport: "tcp" });
    const pid = client.process.pid!;
    await run(client, 'import * as http from "node:http"; http.createServer().listen(0, "127.0.0.1"); "listening"');
    const t0 = Date.now();
    await client.shutdown(500);
    assert.equal(isAlive(pid), false);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(existsSync(dirname(client.connectionFile)), false);
  });
});
