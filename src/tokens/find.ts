export interface FoundToken {
  token: string;
  index: number;
}

const B64URL_SEGMENT = /^[A-Za-z0-9_-]*$/;

/**
 * Maximal runs of base64url characters joined by dots. Taking whole runs means a token is
 * never found inside a longer base64url string, and a JWE (five parts) never looks like a JWS.
 */
const DOTTED_RUN = /[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)*/g;

/** Decodes a base64url segment as UTF-8 JSON; undefined when it is not that. */
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

/** The JOSE header of a compact JWS, when its first segment decodes to a JSON object with "alg". */
export function jwsHeader(segment: string): Record<string, unknown> | undefined {
  const header = decodeJsonSegment(segment);
  if (typeof header !== "object" || header === null || Array.isArray(header)) return undefined;
  const h = header as Record<string, unknown>;
  if (typeof h.alg !== "string") return undefined;
  if ("enc" in h) return undefined; // a JWE header
  return h;
}

function isToken(parts: string[]): boolean {
  if (parts.length !== 3) return false;
  const [head, payload, signature] = parts as [string, string, string];
  if (!head.startsWith("eyJ") || payload === "") return false;
  const header = jwsHeader(head);
  if (header === undefined) return false;
  // Only an unsecured JWS ("alg": "none") has an empty signature; anything else ending in a
  // dot is more likely a sentence's full stop.
  return signature !== "" || header.alg === "none";
}

/**
 * Compact JWS tokens in text: three base64url segments joined by dots whose first decodes to a
 * JSON object with "alg". A full stop right after a token is not taken as part of it.
 */
export function findTokens(text: string): FoundToken[] {
  if (!text.includes("eyJ")) return [];
  const found: FoundToken[] = [];
  for (const match of text.matchAll(DOTTED_RUN)) {
    const run = match[0];
    if (!run.startsWith("eyJ")) continue;
    const parts = run.split(".");
    if (isToken(parts)) {
      found.push({ token: run, index: match.index });
    } else if (parts.length === 4 && parts[3] === "" && isToken(parts.slice(0, 3))) {
      found.push({ token: run.slice(0, -1), index: match.index });
    }
  }
  return found;
}
