import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { JupyterMessage, MessageHeader } from "./messages.js";

/** Separates the routing prefix from the signed parts of a message. */
const DELIMITER = Buffer.from("<IDS|MSG>");
export const PROTOCOL_VERSION = "5.3";

export class WireError extends Error {
  override name = "WireError";
}

/** HMAC-SHA256 over header, parent header, metadata and content, hex-encoded, as the protocol signs. */
export function sign(key: Buffer, parts: readonly Buffer[]): string {
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

export function newHeader(msgType: string, session: string, username = "build"): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** Frames to send: identities, delimiter, signature, the four JSON parts, binary buffers. */
export function encodeMessage(msg: JupyterMessage<unknown>, key: Buffer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...msg.identities, DELIMITER, Buffer.from(sign(key, parts)), ...parts, ...msg.buffers];
}

/**
 * Parses received frames and checks their signature. A message with a bad signature
 * is rejected rather than trusted: anyone who can reach the sockets could forge it.
 */
export function decodeMessage(frames: readonly Buffer[], key: Buffer): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError("message without <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new WireError(`message has ${frames.length - at - 1} parts after the delimiter, expected at least 5`);
  const signature = frames[at + 1]!;
  const parts = frames.slice(at + 2, at + 6);
  const expected = Buffer.from(sign(key, parts));
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new WireError("message signature does not match the connection key");
  }
  const [header, parent, metadata, content] = parts.map((p, i) => parseJson(p, ["header", "parent_header", "metadata", "content"][i]!));
  return {
    identities: frames.slice(0, at),
    header: header as unknown as MessageHeader,
    parent_header: parent as Partial<MessageHeader>,
    metadata: metadata as Record<string, unknown>,
    content: content as Record<string, unknown>,
    buffers: frames.slice(at + 6),
  };
}

function parseJson(frame: Buffer, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(frame.toString("utf8"));
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    return value as Record<string, unknown>;
  } catch (e) {
    throw new WireError(`message ${what} is not a JSON object: ${(e as Error).message}`);
  }
}
