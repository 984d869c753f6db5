import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { parseCappedJson } from "./capped-json.js";
import { parsePythonJson } from "../notebook/json-parse.js";
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

export interface DecodeOptions {
  /**
   * Most characters of a stream message's text to decode; the rest is only counted (in
   * `omittedLength`). A cell printing 100 MB in one write then costs this process the frame,
   * not the frame and two strings as large. The signature still covers the whole frame.
   */
  maxStreamText?: number;
}

/**
 * Parses received frames and checks their signature. A message with a bad signature
 * is rejected rather than trusted: anyone who can reach the sockets could forge it.
 */
export function decodeMessage(frames: readonly Buffer[], key: Buffer, options: DecodeOptions = {}): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError("message without <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new WireError(`message has ${frames.length - at - 1} parts after the delimiter, expected at least 5`);
  const signature = frames[at + 1]!;
  const parts = frames.slice(at + 2, at + 6);
  const expected = Buffer.from(sign(key, parts));
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new WireError("message signature does not match the connection key");
  }
  const part = (i: number, maxString?: number) => parseJson(parts[i]!, ["header", "parent_header", "metadata", "content"][i]!, maxString);
  const header = part(0).value;
  const cap = header.msg_type === "stream" ? options.maxStreamText : undefined;
  const { value: content, omitted } = header.msg_type === "stream" ? part(3, cap) : parseOutputJson(parts[3]!);
  return {
    identities: frames.slice(0, at),
    header: header as unknown as MessageHeader,
    parent_header: part(1).value as Partial<MessageHeader>,
    metadata: part(2).value,
    content,
    buffers: frames.slice(at + 6),
    ...(omitted > 0 ? { omittedLength: omitted } : {}),
  };
}

/** Frames larger than this are parsed natively only: number spellings there are not worth the time. */
const SPELLING_LIMIT = 1 << 20;
/** A float written with a point or exponent, or an int too long for a double: what JSON.parse loses. */
const LOSSY_NUMBER = /[0-9][.eE]|[0-9]{16}/;

/**
 * Content that may become an output (display data, results, errors): parsed so that numbers
 * keep their spelling (`1.0` stays `1.0` when the notebook is written, as nbclient writes it).
 */
function parseOutputJson(frame: Buffer): { value: Record<string, unknown>; omitted: number } {
  const parsed = parseJson(frame, "content");
  if (frame.length > SPELLING_LIMIT) return parsed;
  const text = frame.toString("utf8");
  if (!LOSSY_NUMBER.test(text)) return parsed;
  try {
    return { value: parsePythonJson(text) as Record<string, unknown>, omitted: 0 };
  } catch {
    return parsed;
  }
}

/** A JSON object from a frame; "text" strings longer than `maxString` are cut (see capped-json.ts). */
function parseJson(frame: Buffer, what: string, maxString?: number): { value: Record<string, unknown>; omitted: number } {
  try {
    const { value, omitted } = maxString === undefined ? { value: JSON.parse(frame.toString("utf8")) as unknown, omitted: 0 } : parseCappedJson(frame, maxString, "text");
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
    return { value: value as Record<string, unknown>, omitted };
  } catch (e) {
    throw new WireError(`message ${what} is not a JSON object: ${(e as Error).message}`);
  }
}
