import { readdir } from "node:fs/promises";
import { BoundedReadError, readBounded } from "../io/read-bounded.js";
import { join } from "node:path";
import type { JWK } from "jose";
import { DocsError } from "../errors.js";
import { isCommitted } from "../guard/committed-keys.js";

/** JWK members that carry secret key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** Key types the ring keeps: the asymmetric ones that sign JWS. */
const ASYMMETRIC_KTY = new Set(["RSA", "EC", "OKP"]);

/** Members that identify the public key material of each key type. */
const MATERIAL: Record<string, readonly string[]> = {
  RSA: ["n", "e"],
  EC: ["crv", "x", "y"],
  OKP: ["crv", "x"],
};

export interface RingKey {
  kid: string;
  kty: string;
  alg?: string;
  crv?: string;
  /** Public members only; key_ops dropped (a set's private entry says "sign", we only verify). */
  jwk: JWK;
  /** Whether the set marks the key for something other than signatures (use "enc", key_ops). */
  forSignatures: boolean;
  /** File the key was first read from. */
  source: string;
}

export interface IgnoredKey {
  source: string;
  kid?: string;
  reason: string;
}

export interface KeyRing {
  /** The public key with this kid, if any set has it. */
  get(kid: string): RingKey | undefined;
  readonly kids: readonly string[];
  /** Entries left out of the ring (symmetric keys, keys without kid, …), for diagnostics. */
  readonly ignored: readonly IgnoredKey[];
  /** The file of a key left out because it is not committed as it is (see loadKeyRing). */
  untrusted(kid: string): string | undefined;
  /** Files whose keys are left out because they are not committed as they are. */
  readonly untrustedFiles: readonly string[];
}

/** keys/ cannot be used: the build stops before any notebook (exit 2), naming the file. */
export class KeyRingError extends DocsError {
  override name = "KeyRingError";
  constructor(readonly path: string, message: string) {
    super("ERR_KEYS_INVALID", `${path}: ${message}`);
  }
}

export interface JwkSetSource {
  /** Where the set came from, used in messages (a file path). */
  source: string;
  jwks: unknown;
  /** false: its keys are named (untrusted) but never verify a token. Default true. */
  trusted?: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The entry without secret members and without key_ops. */
function publicPart(entry: Record<string, unknown>): JWK {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (PRIVATE_JWK_MEMBERS.includes(name) || name === "key_ops") continue;
    out[name] = value;
  }
  return out as JWK;
}

function forSignatures(entry: Record<string, unknown>): boolean {
  if (entry.use !== undefined && entry.use !== "sig") return false;
  const ops = entry.key_ops;
  if (Array.isArray(ops) && !ops.includes("verify") && !ops.includes("sign")) return false;
  return true;
}

/** Identity of a key: its public material and alg, so the public and private entry of one key match. */
function identity(key: RingKey): string {
  const jwk = key.jwk as Record<string, unknown>;
  const members = MATERIAL[key.kty] ?? [];
  return JSON.stringify([key.kty, key.alg ?? null, ...members.map((m) => jwk[m] ?? null)]);
}

/** Builds a ring from parsed JWK sets; throws KeyRingError on a kid used for two different keys. */
export function keyRingFromSets(sets: readonly JwkSetSource[]): KeyRing {
  const byKid = new Map<string, RingKey>();
  const ignored: IgnoredKey[] = [];
  const untrusted = new Map<string, string>();
  for (const { source, jwks, trusted } of sets) {
    if (!isObject(jwks) || !Array.isArray(jwks.keys)) {
      throw new KeyRingError(source, 'not a JWK set (expected an object with a "keys" array)');
    }
    jwks.keys.forEach((entry: unknown, i: number) => {
      if (!isObject(entry) || typeof entry.kty !== "string") {
        throw new KeyRingError(source, `keys[${i}] is not a JWK (no "kty")`);
      }
      const kid = typeof entry.kid === "string" && entry.kid !== "" ? entry.kid : undefined;
      if (!ASYMMETRIC_KTY.has(entry.kty)) {
        // A symmetric key can never check a signature anyone else can trust: leave it out.
        ignored.push({ source, kid, reason: `kty "${entry.kty}" is not an asymmetric signing key` });
        return;
      }
      if (kid === undefined) {
        ignored.push({ source, reason: `keys[${i}] has no kid` });
        return;
      }
      if (trusted === false) {
        if (!untrusted.has(kid)) untrusted.set(kid, source);
        return;
      }
      const key: RingKey = {
        kid,
        kty: entry.kty,
        ...(typeof entry.alg === "string" ? { alg: entry.alg } : {}),
        ...(typeof entry.crv === "string" ? { crv: entry.crv } : {}),
        jwk: publicPart(entry),
        forSignatures: forSignatures(entry),
        source,
      };
      const seen = byKid.get(kid);
      if (seen === undefined) {
        byKid.set(kid, key);
      } else if (identity(seen) !== identity(key)) {
        throw new KeyRingError(source, `kid "${kid}" names a different key in ${seen.source}`);
      } else if (key.forSignatures && !seen.forSignatures) {
        byKid.set(kid, { ...seen, forSignatures: true });
      }
    });
  }
  const kids = [...byKid.keys()].sort();
  return {
    get: (kid) => byKid.get(kid),
    kids,
    ignored,
    untrusted: (kid) => (byKid.has(kid) ? undefined : untrusted.get(kid)),
    untrustedFiles: [...new Set(sets.filter((s) => s.trusted === false).map((s) => s.source))],
  };
}

/** A JWK set is a few kilobytes; a key file is not read past this. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

/**
 * Reads every *.json JWK set in keysDir and its sub-folders (keys/spec/ holds the spec's own
 * example keys), sorted by path, and keeps their public keys by kid. With `committed` (the
 * folder's files in git's HEAD, guard/committed-keys.ts), a file that differs from its committed
 * version, or is not committed, is untrusted: a key a notebook planted verifies nothing until a
 * human commits it.
 */
export async function loadKeyRing(keysDir: string, committed?: ReadonlyMap<string, string>): Promise<KeyRing> {
  let names: string[];
  try {
    names = (await readdir(keysDir, { recursive: true })).filter((n) => n.endsWith(".json")).sort();
  } catch (err) {
    throw new KeyRingError(keysDir, `cannot read the keys folder (${(err as Error).message})`);
  }
  const sets: JwkSetSource[] = [];
  for (const name of names) {
    const path = join(keysDir, name);
    let content: Buffer;
    try {
      content = await readBounded(path, MAX_KEY_FILE_BYTES);
    } catch (err) {
      throw new KeyRingError(path, `cannot read (${err instanceof BoundedReadError ? err.reason : (err as Error).message})`);
    }
    let jwks: unknown;
    try {
      jwks = JSON.parse(content.toString("utf8"));
    } catch (err) {
      throw new KeyRingError(path, `not valid JSON (${(err as Error).message})`);
    }
    sets.push({ source: path, jwks, ...(committed && !isCommitted(committed, path, content) ? { trusted: false } : {}) });
  }
  return keyRingFromSets(sets);
}
