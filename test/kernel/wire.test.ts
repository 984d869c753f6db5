import assert from "node:assert/strict";
import { test } from "node:test";
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

test("the decoder keeps an oversized stream's first characters and counts the rest exactly", () => {
  const key = Buffer.from("key");
  const text = `${"é✓😀\n\"\\\u0001<>".repeat(5000)}end`;
  const frames = encodeMessage({
    identities: [],
    header: newHeader("stream", "s"),
    parent_header: {},
    metadata: {},
    content: { name: "stdout", text, ["k".repeat(200)]: "a long key is kept" },
    buffers: [],
  }, key);
  for (const max of [0, 1, 2, 3, 7, 1000, 9999, text.length - 1, text.length]) {
    const msg = decodeMessage(frames, key, { maxStreamText: max });
    const kept = String(msg.content.text);
    assert.ok(text.startsWith(kept) && kept.length >= max - 1 && kept.length <= max, `max ${max}: kept ${kept.length}`);
    assert.equal(kept.length + (msg.omittedLength ?? 0), text.length, `max ${max}`);
    assert.equal(msg.content["k".repeat(200)], "a long key is kept");
    assert.equal(msg.content.name, "stdout");
  }
  // Other messages are decoded whole; the signature covers the whole frame.
  const display = encodeMessage({ identities: [], header: newHeader("display_data", "s"), parent_header: {}, metadata: {}, content: { data: { "text/plain": text } }, buffers: [] }, key);
  assert.deepEqual(decodeMessage(display, key, { maxStreamText: 10 }).content, { data: { "text/plain": text } });
  const tampered = frames.map((f, i) => (i === frames.length - 1 ? Buffer.concat([f.subarray(0, -2), Buffer.from("x}")]) : f));
  assert.throws(() => decodeMessage(tampered, key, { maxStreamText: 10 }), /signature/);
});
