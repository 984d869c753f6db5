import type { KnownSecret } from "./known-secrets.js";

/**
 * Finds pieces of known secrets in text, however they are spelled, as secret scanners do: the
 * text is normalised into character streams (base64 and base64url as one alphabet, hex, lists of
 * byte values) with every separator dropped, so a value split across lines, table cells or
 * JSON-escaped strings joins up again; each stream is then looked up, window by window, in the
 * windows of every secret's encodings.
 *
 * Windows are looked up at every STRIDE-th position of the stream, so a piece counts for sure
 * once it spans a whole window at such a position: MIN_PIECE characters of the stream.
 */
const B64_WINDOW = 16; // 96 bits
const HEX_WINDOW = 24; // 96 bits
const STRIDE = 8;
export const MIN_PIECE = { base64: B64_WINDOW + STRIDE - 1, hex: HEX_WINDOW + STRIDE - 1, bytes: Math.ceil((HEX_WINDOW + STRIDE - 1) / 2) };

export type Encoding = "base64" | "hex" | "byte values";

export interface SecretHit {
  secret: KnownSecret;
  encoding: Encoding;
}

export interface SecretMatcher {
  find(text: string): SecretHit[];
}

/** Every window of `size` characters of `s`. */
function* windows(s: string, size: number): Generator<string> {
  for (let i = 0; i + size <= s.length; i++) yield s.slice(i, i + size);
}

/**
 * The base64url spellings of a value's bits at the three byte alignments it can have inside a
 * longer encoded value (a PEM body, a PNG), each without its last, partly foreign character.
 */
function base64Alignments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const part = bytes.subarray(shift);
    const whole = Math.floor(part.length / 3) * 3;
    const encoded = part.subarray(0, whole).toString("base64url");
    out.push(encoded);
  }
  return out;
}

// Decoding before streams are made: HTML character references, JSON and JS string escapes
// (however often a value was stringified), percent-encoding of base64's own characters.
// Each escape pattern takes a whole run of backslashes at once, whatever follows it, so a long
// run is read once (150,000 backslashes: milliseconds), never again from each of its positions.
const CHAR_REF = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?/g;
const ESCAPE = /\\+(?:u\{?([0-9a-fA-F]{4,6})\}?|x([0-9a-fA-F]{2})|([nrtbfv0]))?/g;
const PERCENT = /%(2[bBfF]|3[dD])/g;

function decodeSpellings(text: string): string {
  const fromCode = (hex: string | undefined, dec: string | undefined): string => {
    const code = hex !== undefined ? parseInt(hex, 16) : parseInt(dec!, 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : " ";
  };
  return text
    .replace(CHAR_REF, (_, hex?: string, dec?: string) => fromCode(hex, dec))
    .replace(ESCAPE, (run: string, u?: string, x?: string, separator?: string) => (u ?? x ? fromCode(u ?? x, undefined) : separator ? " " : run))
    .replace(PERCENT, (_, code: string) => String.fromCharCode(parseInt(code, 16)));
}

/** Base64 and base64url as one alphabet, everything else dropped. */
function base64Stream(text: string): string {
  return text.replace(/[^A-Za-z0-9+/_-]+/g, "").replaceAll("+", "-").replaceAll("/", "_");
}

/** Hex digits, lower case; `0x` prefixes and everything else dropped. */
function hexStream(text: string): string {
  return text.toLowerCase().replace(/0x(?=[0-9a-f])/g, "").replace(/[^0-9a-f]+/g, "");
}

/** Lists of byte values (a printed Uint8Array or Buffer.toJSON()), as hex; other numbers end a list. */
function byteListStreams(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\b\d{1,3}\b[^\d\w]{1,6}){8,}\b\d{1,3}\b/g)) {
    // A number over 255 (the 256 of "Uint8Array(256) [") splits the list, not voids it.
    let run: number[] = [];
    for (const v of [...m[0].match(/\d+/g)!.map(Number), 256]) {
      if (v <= 255) run.push(v);
      else if (run.length > 0) {
        out.push(Buffer.from(run).toString("hex"));
        run = [];
      }
    }
  }
  return out;
}

/** The base64 stream without `-`, `_` (and so `+`, `/`): a value printed in groups joined by them joins up. */
const unpunctuated = (stream: string): string => stream.replace(/[-_]+/g, "");

/**
 * The bytes a base64 stream spells, read from each of its four offsets (an encoded value inside
 * it starts at one of them), as Latin-1 text: base64 of a whole JWK's JSON, or a PNG whose text
 * chunk holds one, shows the secret's own spelling once decoded.
 */
function decodedStreams(stream: string): string[] {
  if (stream.length < 4 * B64_WINDOW) return [];
  const out: string[] = [];
  for (let offset = 0; offset < 4; offset++) {
    const part = stream.slice(offset);
    out.push(Buffer.from(part.slice(0, part.length - (part.length % 4)), "base64url").toString("latin1"));
  }
  return out;
}

export function secretMatcher(secrets: readonly KnownSecret[]): SecretMatcher {
  const b64 = new Map<string, KnownSecret>();
  const bare = new Map<string, KnownSecret>();
  const hex = new Map<string, KnownSecret>();
  for (const secret of secrets) {
    for (const encoded of base64Alignments(secret.bytes)) {
      for (const w of windows(encoded, B64_WINDOW)) if (!b64.has(w)) b64.set(w, secret);
      for (const w of windows(unpunctuated(encoded), B64_WINDOW)) if (!bare.has(w)) bare.set(w, secret);
    }
    for (const w of windows(secret.bytes.toString("hex"), HEX_WINDOW)) if (!hex.has(w)) hex.set(w, secret);
  }
  const lookup = (stream: string, table: Map<string, KnownSecret>, size: number, encoding: Encoding, hits: SecretHit[]) => {
    for (let i = 0; i + size <= stream.length; i += STRIDE) {
      const secret = table.get(stream.slice(i, i + size));
      if (secret !== undefined && !hits.some((h) => h.secret === secret && h.encoding === encoding)) hits.push({ secret, encoding });
    }
  };
  return {
    find(text) {
      if (secrets.length === 0) return [];
      const hits: SecretHit[] = [];
      const scan = (raw: string, depth: number): void => {
        const decoded = decodeSpellings(raw);
        const stream = base64Stream(decoded);
        lookup(stream, b64, B64_WINDOW, "base64", hits);
        lookup(unpunctuated(stream), bare, B64_WINDOW, "base64", hits);
        lookup(hexStream(decoded), hex, HEX_WINDOW, "hex", hits);
        for (const list of byteListStreams(decoded)) lookup(list, hex, HEX_WINDOW, "byte values", hits);
        // One level down: what the text's base64 decodes to (not further: each level is linear, and two cover a JWK's JSON encoded once, or a PNG holding it).
        if (depth === 0) for (const inner of decodedStreams(stream)) scan(inner, 1);
      };
      scan(text, 0);
      return hits;
    },
  };
}
