import assert from "node:assert/strict";
import { test } from "node:test";
import type { JupyterMessage } from "../../src/kernel/messages.js";
import { DisplayRegistry, OutputCollector } from "../../src/kernel/to-output.js";
import { newHeader } from "../../src/kernel/wire.js";

function msg(type: string, content: Record<string, unknown>): JupyterMessage {
  return { identities: [], header: newHeader(type, "s"), parent_header: {}, metadata: {}, content, buffers: [] };
}

function collect(messages: JupyterMessage[], maxTextLength = 1000, registry = new DisplayRegistry()) {
  const c = new OutputCollector({ maxTextLength, registry });
  messages.forEach((m) => c.handle(m));
  return c;
}

test("each iopub message kind becomes its nbformat output", () => {
  const c = collect([
    msg("status", { execution_state: "busy" }),
    msg("execute_input", { code: "x", execution_count: 4 }),
    msg("stream", { name: "stdout", text: "out\n" }),
    msg("stream", { name: "stderr", text: "err\n" }),
    msg("display_data", { data: { "text/markdown": "# T" }, metadata: {}, transient: {} }),
    msg("execute_result", { data: { "text/plain": "42" }, metadata: {}, execution_count: 4 }),
    msg("error", { ename: "Error", evalue: "boom", traceback: ["\u001b[31mError\u001b[0m: boom"] }),
    msg("status", { execution_state: "idle" }),
  ]);
  assert.deepEqual(c.outputs, [
    { output_type: "stream", name: "stdout", text: "out\n" },
    { output_type: "stream", name: "stderr", text: "err\n" },
    { output_type: "display_data", data: { "text/markdown": "# T" }, metadata: {} },
    { output_type: "execute_result", data: { "text/plain": "42" }, metadata: {}, execution_count: 4 },
    { output_type: "error", ename: "Error", evalue: "boom", traceback: ["\u001b[31mError\u001b[0m: boom"] },
  ]);
  assert.equal(c.executionCount, 4);
});

test("clear_output clears at once, or before the next output with wait", () => {
  const now = collect([msg("stream", { name: "stdout", text: "a" }), msg("clear_output", { wait: false }), msg("stream", { name: "stdout", text: "b" })]);
  assert.deepEqual(now.outputs.map((o) => o.text), ["b"]);
  const later = new OutputCollector({ maxTextLength: 1000, registry: new DisplayRegistry() });
  later.handle(msg("stream", { name: "stdout", text: "a" }));
  later.handle(msg("clear_output", { wait: true }));
  assert.equal(later.outputs.length, 1, "kept until the next output");
  later.handle(msg("stream", { name: "stdout", text: "b" }));
  assert.deepEqual(later.outputs.map((o) => o.text), ["b"]);
});

test("update_display_data rewrites the display in an earlier cell, not appending", () => {
  const registry = new DisplayRegistry();
  const first = collect([msg("display_data", { data: { "text/plain": "0%" }, metadata: {}, transient: { display_id: "p" } })], 1000, registry);
  const second = collect([
    msg("update_display_data", { data: { "text/plain": "100%" }, metadata: {}, transient: { display_id: "p" } }),
    msg("stream", { name: "stdout", text: "done\n" }),
  ], 1000, registry);
  assert.deepEqual(first.outputs, [{ output_type: "display_data", data: { "text/plain": "100%" }, metadata: {} }]);
  assert.deepEqual(second.outputs.map((o) => o.output_type), ["stream"]);
});

test("stream text over the limit is cut and a notice says how much was dropped", () => {
  const c = collect([msg("stream", { name: "stdout", text: "x".repeat(8) }), msg("stream", { name: "stdout", text: "y".repeat(8) })], 10);
  assert.deepEqual(c.outputs.map((o) => o.text), ["xxxxxxxx", "yy"]);
  assert.equal(c.droppedLength, 6);
  assert.match(String(c.truncationNotice()?.text), /output truncated: 6 more characters over the limit of 10/);
});
