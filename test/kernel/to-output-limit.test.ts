import assert from "node:assert/strict";
import { test } from "node:test";
import type { JupyterMessage } from "../../src/kernel/messages.js";
import { DisplayRegistry, OutputCollector } from "../../src/kernel/to-output.js";
import { newHeader } from "../../src/kernel/wire.js";

function msg(type: string, content: Record<string, unknown>): JupyterMessage {
  return { identities: [], header: newHeader(type, "s"), parent_header: {}, metadata: {}, content, buffers: [] };
}

const png = (chars: number) => ({ "image/png": "A".repeat(chars), "text/plain": "<Figure>" });

test("display_data and execute_result count against the output limit, base64 images included", () => {
  for (const type of ["display_data", "execute_result"]) {
    const c = new OutputCollector({ maxTextLength: 1000, registry: new DisplayRegistry() });
    c.handle(msg("stream", { name: "stdout", text: "x".repeat(400) }));
    c.handle(msg(type, { data: png(500), metadata: {}, execution_count: 1 }));
    assert.equal(c.droppedLength, 0, type);
    c.handle(msg(type, { data: png(500), metadata: {}, execution_count: 1 }));
    assert.equal(c.outputs.length, 2, type);
    assert.ok(c.droppedLength > 0, type);
    assert.match(c.truncationNotice()!.text as string, /more characters over the limit of 1000 were dropped/);
  }
});

test("a JSON payload counts as serialized, and display updates count too", () => {
  const c = new OutputCollector({ maxTextLength: 100, registry: new DisplayRegistry() });
  c.handle(msg("display_data", { data: { "application/json": { a: "b".repeat(60) } }, metadata: {}, transient: { display_id: "d" } }));
  assert.equal(c.droppedLength, 0);
  c.handle(msg("update_display_data", { data: { "text/plain": "c".repeat(60) }, metadata: {}, transient: { display_id: "d" } }));
  assert.ok(c.droppedLength > 0);
});
