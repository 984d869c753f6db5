/**
 * JSON.parse for a frame that may hold a huge string (a cell printing 100 MB in one write),
 * without ever holding that string: values of members named `member` longer than `max`
 * characters are cut to their first `max` characters while still in bytes, and only the rest
 * of their length is counted. Other strings (a stream's "name") are kept whole. The frame is
 * decoded whole, then parsed, only when it is too small to hold such a string.
 */

import { StringDecoder } from "node:string_decoder";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSING_QUOTE = Buffer.from('"');
// Small enough to stay cheap strings (larger ones cost many times more to make).
const CHUNK = 1 << 16;

export interface CappedJson {
  value: unknown;
  /** Characters (UTF-16 units, as String#length counts) cut from oversized strings. */
  omitted: number;
}

export function parseCappedJson(frame: Buffer, max: number, member: string): CappedJson {
  // A string of more than `max` characters takes more than `max` bytes.
  if (frame.length <= max) return { value: JSON.parse(frame.toString("utf8")), omitted: 0 };
  const pieces: Buffer[] = [];
  let copied = 0;
  let omitted = 0;
  const name = Buffer.from(JSON.stringify(member));
  let inMember = false;
  for (let open = frame.indexOf(QUOTE); open >= 0; ) {
    const close = closingQuote(frame, open + 1);
    if (close < 0) break; // Unterminated: JSON.parse below says so.
    const key = isKey(frame, close + 1);
    const cap = !key && inMember;
    inMember = key && name.equals(frame.subarray(open, close + 1));
    if (cap && close - open - 1 > max) {
      const { cut, kept, length } = measureString(frame, open + 1, close, max);
      if (length > kept) {
        pieces.push(frame.subarray(copied, cut), CLOSING_QUOTE);
        copied = close + 1;
        omitted += length - kept;
      }
    }
    open = frame.indexOf(QUOTE, close + 1);
  }
  pieces.push(frame.subarray(copied));
  return { value: JSON.parse(Buffer.concat(pieces).toString("utf8")), omitted };
}

/** Index of the quote ending a string whose content starts at `from`: one not escaped by a backslash. */
function closingQuote(frame: Buffer, from: number): number {
  for (let q = frame.indexOf(QUOTE, from); q >= 0; q = frame.indexOf(QUOTE, q + 1)) {
    let backslashes = 0;
    while (q - 1 - backslashes >= from && frame[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

/** Whether the string that ended just before `from` is an object's key (keys are kept whole). */
function isKey(frame: Buffer, from: number): boolean {
  let i = from;
  while (i < frame.length && (frame[i] === 0x20 || frame[i] === 0x0a || frame[i] === 0x0d || frame[i] === 0x09)) i++;
  return frame[i] === 0x3a; // :
}

/**
 * The raw bytes of a JSON string (between its quotes): its decoded length in UTF-16 units,
 * and the byte offset after its first `max` units (never inside an escape or a UTF-8
 * sequence, so the bytes before it decode on their own).
 */
function measureString(frame: Buffer, start: number, end: number, max: number): { cut: number; kept: number; length: number } {
  let length = 0;
  for (let i = start; i < end; ) {
    const byte = frame[i]!;
    let units: number;
    let size: number;
    if (byte === BACKSLASH) {
      units = 1;
      size = frame[i + 1] === 0x75 /* u */ ? 6 : 2;
    } else if (byte < 0x80) {
      units = 1;
      size = 1;
    } else if (byte >= 0xf0) {
      units = 2;
      size = 4;
    } else if (byte >= 0xe0) {
      units = 1;
      size = 3;
    } else if (byte >= 0xc0) {
      units = 1;
      size = 2;
    } else {
      // A stray continuation byte: decoded as one replacement character.
      units = 1;
      size = 1;
    }
    if (length + units > max) return { cut: i, kept: length, length: length + decodedLength(frame, i, end) };
    length += units;
    i += size;
  }
  return { cut: end, kept: length, length };
}

/**
 * Decoded length of the bytes of a string from a character boundary on, at native speed:
 * the UTF-8 text's length, less what each escape sequence (`\n`: two characters for one,
 * `\u00e9`: six for one) loses in decoding. Decoded a chunk at a time, each dropped at once.
 */
function decodedLength(frame: Buffer, start: number, end: number): number {
  const decoder = new StringDecoder("utf8");
  let length = 0;
  for (let at = start; at < end; at += CHUNK) length += decoder.write(frame.subarray(at, Math.min(at + CHUNK, end))).length;
  length += decoder.end().length;
  for (let i = frame.indexOf(BACKSLASH, start); i >= 0 && i < end; i = frame.indexOf(BACKSLASH, i)) {
    const u = frame[i + 1] === 0x75;
    length -= u ? 5 : 1;
    i += u ? 6 : 2;
  }
  return length;
}
