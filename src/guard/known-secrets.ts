import { createPrivateKey } from "node:crypto";
import { lstat, open, readdir } from "node:fs/promises";
import { join, relative } from "node:path";

/** One private value the keys folder holds: a JWK member's bytes, or an unreadable PEM body. */
export interface KnownSecret {
  /** Where it is: `keys/RS384.private.json, kid "…", member d`. */
  label: string;
  bytes: Buffer;
}

/** JWK members whose values are secret (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const SECRET_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k"] as const;
const OTH_MEMBERS = ["r", "d", "t"] as const;
const PEM_PRIVATE = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----([\s\S]*?)-----END \1PRIVATE KEY-----/g;
// Key files are small; a larger file is not read past this (the guard then knows less, never hangs).
const MAX_FILE_BYTES = 1 << 20;
const MAX_FILES = 1000;
const MAX_ENTRIES = 20_000;
// A value shorter than this has too little entropy for a piece of it to mean anything.
export const MIN_SECRET_BYTES = 16;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fromBase64url(value: unknown): Buffer | undefined {
  if (typeof value !== "string" || !/^[A-Za-z0-9_-]+$/.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64url");
  return bytes.length >= MIN_SECRET_BYTES ? bytes : undefined;
}

/** The secret members of a JWK, labelled. */
function jwkSecrets(jwk: Record<string, unknown>, where: string): KnownSecret[] {
  const name = `${where}${typeof jwk.kid === "string" ? `, kid ${JSON.stringify(jwk.kid)}` : ""}`;
  const out: KnownSecret[] = [];
  for (const member of SECRET_MEMBERS) {
    const bytes = fromBase64url(jwk[member]);
    if (bytes) out.push({ label: `${name}, member ${member}`, bytes });
  }
  if (Array.isArray(jwk.oth)) {
    jwk.oth.forEach((prime: unknown, i) => {
      if (!isObject(prime)) return;
      for (const member of OTH_MEMBERS) {
        const bytes = fromBase64url(prime[member]);
        if (bytes) out.push({ label: `${name}, member oth[${i}].${member}`, bytes });
      }
    });
  }
  return out;
}

/**
 * Secrets of the PEM private keys in a text. A key node can read gives its JWK members (the
 * body also holds the public modulus, which may be shown); an encrypted one gives its body.
 */
function pemSecrets(text: string, where: string): KnownSecret[] {
  const out: KnownSecret[] = [];
  for (const m of text.matchAll(PEM_PRIVATE)) {
    try {
      const jwk = createPrivateKey(m[0]).export({ format: "jwk" }) as Record<string, unknown>;
      out.push(...jwkSecrets(jwk, `${where}, PEM ${m[1] ?? ""}PRIVATE KEY`));
    } catch {
      const body = Buffer.from(m[2]!.replace(/^[\w-]+:.*$/gm, "").replace(/[^A-Za-z0-9+/]/g, ""), "base64");
      if (body.length >= MIN_SECRET_BYTES) out.push({ label: `${where}, PEM ${m[1] ?? ""}PRIVATE KEY body`, bytes: body });
    }
  }
  return out;
}

/** Every JWK (an object with "kty") anywhere in a JSON value, and PEM text in its strings. */
function secretsInJson(value: unknown, where: string, out: KnownSecret[]): void {
  if (typeof value === "string") {
    if (value.includes("PRIVATE KEY-----")) out.push(...pemSecrets(value, where));
  } else if (Array.isArray(value)) {
    for (const v of value) secretsInJson(v, where, out);
  } else if (isObject(value)) {
    if (typeof value.kty === "string") out.push(...jwkSecrets(value, where));
    for (const v of Object.values(value)) secretsInJson(v, where, out);
  }
}

/** Regular files under a folder, sub-folders included, sorted; at most MAX_FILES, found among at most MAX_ENTRIES entries (a parameter naming "/" reads no disk whole). */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  const queue = [dir];
  let seen = 0;
  while (queue.length > 0 && files.length < MAX_FILES && seen < MAX_ENTRIES) {
    const entries = await readdir(queue.shift()!, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      seen++;
      if (e.isDirectory()) queue.push(join(e.parentPath, e.name));
      else if (e.isFile()) files.push(join(e.parentPath, e.name));
    }
  }
  return files.slice(0, MAX_FILES).sort();
}

async function readBounded(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(MAX_FILE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, MAX_FILE_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * The private values in every file under each source (a keys folder, sub-folders included, or a
 * single key file): JWK members d, p, q, dp, dq, qi, k (and oth) in JSON files, and PEM private
 * keys in any file. Only regular files are read (a FIFO or a device is passed over), each up to 1 MiB.
 */
export async function loadKnownSecrets(sources: string | readonly string[], projectRoot: string): Promise<KnownSecret[]> {
  const files: string[] = [];
  for (const source of typeof sources === "string" ? [sources] : sources) {
    const info = await lstat(source).catch(() => undefined);
    if (info?.isFile()) files.push(source);
    else if (info?.isDirectory()) files.push(...(await filesUnder(source)));
  }
  const secrets: KnownSecret[] = [];
  for (const file of files) {
    const rel = relative(projectRoot, file);
    const where = rel.startsWith("..") ? file : rel;
    const text = (await readBounded(file).catch(() => Buffer.alloc(0))).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      secrets.push(...pemSecrets(text, where));
      continue;
    }
    secretsInJson(json, where, secrets);
  }
  // One value may sit in several files (a private set and a copy of it): keep the first label.
  const seen = new Set<string>();
  return secrets.filter((s) => {
    const key = s.bytes.toString("base64");
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
