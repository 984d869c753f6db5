import { relative } from "node:path";
import { compactVerify, errors, importJWK } from "jose";
import type { CryptoKey } from "jose";
import { decodeJsonSegment } from "./find.js";
import type { KeyRing, RingKey } from "./keyring.js";

export type TokenVerdict =
  | { ok: true; kid: string; alg: string; header: Record<string, unknown>; payload: Record<string, unknown> }
  | { ok: false; reason: string; header?: Record<string, unknown>; payload?: Record<string, unknown> };

/** What each allowed alg needs from the key: asymmetric JWS algorithms only. */
const KEY_FOR_ALG: Record<string, { kty: string; crv?: readonly string[] }> = {
  RS256: { kty: "RSA" },
  RS384: { kty: "RSA" },
  RS512: { kty: "RSA" },
  PS256: { kty: "RSA" },
  PS384: { kty: "RSA" },
  PS512: { kty: "RSA" },
  ES256: { kty: "EC", crv: ["P-256"] },
  ES384: { kty: "EC", crv: ["P-384"] },
  ES512: { kty: "EC", crv: ["P-521"] },
  EdDSA: { kty: "OKP", crv: ["Ed25519"] },
  Ed25519: { kty: "OKP", crv: ["Ed25519"] },
};

/** The algs verifyToken accepts. */
export const ALLOWED_ALGS: readonly string[] = Object.keys(KEY_FOR_ALG);

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Why this key cannot check a token signed with alg, or undefined when it fits. */
function keyMismatch(key: RingKey, alg: string): string | undefined {
  const need = KEY_FOR_ALG[alg]!;
  if (!key.forSignatures) return `kid "${key.kid}" is not a signature key (see "use"/"key_ops" in ${key.source})`;
  if (key.alg !== undefined && key.alg !== alg) {
    return `kid "${key.kid}" is a ${key.alg} key, but the token says alg ${alg}`;
  }
  if (key.kty !== need.kty) {
    return `kid "${key.kid}" is a ${key.kty} key, but alg ${alg} needs ${need.kty}`;
  }
  if (need.crv !== undefined && (key.crv === undefined || !need.crv.includes(key.crv))) {
    return `kid "${key.kid}" is on curve ${key.crv ?? "(none)"}, but alg ${alg} needs ${need.crv.join(" or ")}`;
  }
  return undefined;
}

// WebCrypto keys are bound to one algorithm, so import once per (key, alg).
const imported = new WeakMap<RingKey, Map<string, Promise<CryptoKey>>>();

function cryptoKey(key: RingKey, alg: string): Promise<CryptoKey> {
  let byAlg = imported.get(key);
  if (byAlg === undefined) imported.set(key, (byAlg = new Map()));
  let pending = byAlg.get(alg);
  if (pending === undefined) {
    pending = importJWK({ ...key.jwk, alg }, alg) as Promise<CryptoKey>;
    byAlg.set(alg, pending);
  }
  return pending;
}

/**
 * Checks a compact JWS against the ring: an allowed asymmetric alg, a kid the ring knows with a
 * key that fits the alg, and a signature that verifies. Claims (exp, nbf, aud…) are not checked:
 * the docs show example tokens, and an expired example still carries a valid signature.
 */
export async function verifyToken(token: string, ring: KeyRing): Promise<TokenVerdict> {
  const parts = token.split(".");
  if (parts.length !== 3) {
    return { ok: false, reason: `not a compact JWS (${parts.length} parts, expected 3)` };
  }
  const header = asObject(decodeJsonSegment(parts[0]!));
  if (header === undefined) return { ok: false, reason: "header is not base64url-encoded JSON" };
  const payload = asObject(decodeJsonSegment(parts[1]!));
  const known = { header, ...(payload !== undefined ? { payload } : {}) };

  const alg = header.alg;
  if (typeof alg !== "string") return { ok: false, reason: "header has no alg", ...known };
  if (alg.toLowerCase() === "none") return { ok: false, reason: "alg none is not allowed", ...known };
  if (/^HS\d+$/i.test(alg)) {
    return { ok: false, reason: `alg ${alg} is not allowed (symmetric: no public key can check it)`, ...known };
  }
  if (!Object.hasOwn(KEY_FOR_ALG, alg)) {
    return { ok: false, reason: `alg ${JSON.stringify(alg)} is not allowed (allowed: ${ALLOWED_ALGS.join(", ")})`, ...known };
  }
  const kid = header.kid;
  if (typeof kid !== "string" || kid === "") return { ok: false, reason: "header has no kid", ...known };
  const key = ring.get(kid);
  if (key === undefined) {
    const file = ring.untrusted(kid);
    if (file !== undefined) return { ok: false, reason: `kid ${JSON.stringify(kid)} is in ${relative(process.cwd(), file)}, which is not committed as it is (a key is trusted once committed)`, ...known };
    return { ok: false, reason: `unknown kid ${JSON.stringify(kid)}`, ...known };
  }
  const mismatch = keyMismatch(key, alg);
  if (mismatch !== undefined) return { ok: false, reason: mismatch, ...known };
  if (payload === undefined) return { ok: false, reason: "payload is not a JSON object", header };

  try {
    await compactVerify(token, await cryptoKey(key, alg), { algorithms: [alg] });
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, reason: `signature does not verify with kid ${JSON.stringify(kid)}`, ...known };
    }
    return { ok: false, reason: `cannot verify with kid ${JSON.stringify(kid)}: ${(err as Error).message}`, ...known };
  }
  return { ok: true, kid, alg, header, payload };
}
