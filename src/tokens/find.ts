import { scanView } from "./scan-view.js";

export interface FoundToken {
  /** The compact JWS, as a verifier reads it (entities decoded, line breaks removed). */
  token: string;
  /** Where it starts in the text searched. */
  index: number;
  /** The text as printed, when it differs from `token` (wrapped across lines, `&#46;` for dots). */
  raw?: string;
}

const B64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Maximal runs of base64url characters joined by dots. Taking whole runs means a token is
 * never found inside a longer base64url string, and a JWE (five parts) never looks like a JWS.
 */
const DOTTED_RUN = /[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)*/g;

/** Decodes a base64url segment as UTF-8 JSON (a leading BOM dropped, as jose does); undefined when it is not that. */
export function decodeJsonSegment(segment: string): unknown {
  if (!B64URL_SEGMENT.test(segment) || segment.length % 4 === 1) return undefined;
  try {
    const bytes = Buffer.from(segment, "base64url");
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The JOSE header of a compact JWS: its first segment decoded to a JSON object. Any object
 * counts, whatever its spacing or members: a verifier decides what it is worth, not the finder.
 */
export function jwsHeader(segment: string): Record<string, unknown> | undefined {
  const header = decodeJsonSegment(segment);
  if (typeof header !== "object" || header === null || Array.isArray(header)) return undefined;
  return header as Record<string, unknown>;
}

function isToken(parts: readonly string[]): boolean {
  if (parts.length !== 3) return false;
  const [head, payload, signature] = parts as [string, string, string];
  if (head === "" || payload === "") return false;
  const header = jwsHeader(head);
  if (header === undefined) return false;
  // Only an unsecured JWS has an empty signature; a signed one ending in a dot is more likely
  // a sentence's full stop.
  return signature !== "" || typeof header.alg !== "string" || header.alg.toLowerCase() === "none";
}

/** Length in base64url characters of a whole signature for each alg (RSA: the usual key sizes). */
const SIGNATURE_LENGTHS: Record<string, readonly number[]> = {
  ES256: [86], ES256K: [86], ES384: [128], ES512: [176], EdDSA: [86, 152], Ed25519: [86], Ed448: [152],
  HS256: [43], HS384: [64], HS512: [86],
};
// RSA: as long as the modulus; any key of 1024 to 8192 bits in steps of 64.
const RSA_SIGNATURE_LENGTHS = Array.from({ length: 113 }, (_, i) => Math.ceil(((128 + 8 * i) * 4) / 3));

/**
 * Whether a token's signature is whole, so that a line break after it ends the token. For an
 * alg of unknown signature length any signature counts as whole.
 */
function signatureWhole(parts: readonly string[]): boolean {
  const alg = jwsHeader(parts[0]!)?.alg;
  const signature = parts[2]!;
  if (typeof alg !== "string") return true;
  if (alg.toLowerCase() === "none") return signature === "";
  const lengths = /^(RS|PS)\d+$/.test(alg) ? RSA_SIGNATURE_LENGTHS : SIGNATURE_LENGTHS[alg];
  return lengths === undefined || lengths.includes(signature.length);
}

/** The token a dotted run is, allowing one sentence-ending dot after it; undefined when none. */
function tokenOfRun(run: string): string | undefined {
  const parts = run.split(".");
  if (isToken(parts)) return run;
  if (parts.length === 4 && parts[3] === "" && isToken(parts.slice(0, 3))) return run.slice(0, -1);
  return undefined;
}

// A wrapped token is joined over at most this many line breaks (a 4096-bit RS token at 40 columns).
const MAX_WRAPPED_LINES = 64;

interface Run {
  start: number;
  end: number;
  text: string;
}

/** Index just past the line break at `at`, or -1 when `at` is not a line break. */
function afterLineBreak(text: string, at: number): number {
  if (text[at] === "\n") return at + 1;
  if (text[at] === "\r" && text[at + 1] === "\n") return at + 2;
  return -1;
}

/**
 * Compact JWS tokens in text: three base64url segments joined by dots whose first decodes to a
 * JSON object. Also found: tokens printed with HTML character references for their characters
 * (`&#46;` for a dot), and tokens wrapped across lines (a run that reaches the end of its line
 * and is not a whole token yet continues with the run that starts the next line). A full stop
 * right after a token is not taken as part of it.
 */
export function findTokens(text: string): FoundToken[] {
  if (!text.includes(".") && !text.includes("&")) return [];
  const view = scanView(text);
  const runs: Run[] = [...view.text.matchAll(DOTTED_RUN)].map((m) => ({ start: m.index, end: m.index + m[0].length, text: m[0] }));
  const byStart = new Map(runs.map((r, i) => [r.start, i]));
  const found: FoundToken[] = [];
  const add = (token: string, start: number, end: number) => {
    const index = view.origin(start);
    const raw = text.slice(index, view.origin(end));
    found.push(raw === token ? { token, index } : { token, index, raw });
  };

  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    const direct = tokenOfRun(run.text);
    let joined = run.text;
    let last = i;
    let wrapped: { token: string; last: number; length: number } | undefined;
    // Join the following lines while the run so far reaches its line's end and is not whole.
    while (last - i < MAX_WRAPPED_LINES) {
      const soFar = tokenOfRun(joined);
      if (soFar !== undefined && signatureWhole(soFar.split("."))) break;
      const next = afterLineBreak(view.text, runs[last]!.end);
      const j = next < 0 ? undefined : byStart.get(next);
      if (j === undefined) break;
      joined += runs[j]!.text;
      last = j;
      const token = tokenOfRun(joined);
      // The longest candidate wins: a line that continues the run belongs to the token.
      if (token !== undefined) wrapped = { token, last, length: joined.length };
    }
    if (wrapped !== undefined) {
      // The raw text ends where the token does: before a sentence's full stop, if any.
      add(wrapped.token, run.start, runs[wrapped.last]!.end - (wrapped.length - wrapped.token.length));
      i = wrapped.last;
    } else if (direct !== undefined) {
      add(direct, run.start, run.start + direct.length);
    }
  }
  return found;
}
