import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as jose from "jose";
import { formatJwkSet } from "../../src/keys/format.js";
import { orderMembers } from "../../src/keys/member-order.js";
import { projectRoot } from "../support/root.js";

const root = projectRoot;
// The compiled script, as `npm run keys` runs it (npm test compiles first).
const script = join(root, "dist", "scripts", "make-keys.js");
const specDir = join(root, "keys", "spec");
const ALGS = ["RS384", "ES384"] as const;
const FILES = ALGS.flatMap((alg) => [`${alg}.private.json`, `${alg}.public.json`]);
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

// Member order of the published example files, per key type and visibility.
const ORDER: Record<string, { verify: string[]; sign: string[] }> = {
  RSA: {
    verify: ["kty", "alg", "n", "e", "key_ops", "ext", "kid"],
    sign: ["kty", "alg", "n", "e", "d", "p", "q", "dp", "dq", "qi", "key_ops", "ext", "kid"],
  },
  EC: {
    verify: ["kty", "crv", "x", "y", "key_ops", "ext", "kid", "alg"],
    sign: ["kty", "crv", "d", "x", "y", "key_ops", "ext", "kid", "alg"],
  },
};

const scratch = mkdtempSync(join(tmpdir(), "make-keys-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(scratch, `keys-${++dirs}`);

/** Runs the real script from the project root. */
function makeKeys(...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Jwk = jose.JWK & Record<string, unknown>;
const readSet = (path: string): { keys: Jwk[] } => JSON.parse(readFileSync(path, "utf8")) as { keys: Jwk[] };
const snapshot = (dir: string): Map<string, string> =>
  new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]));

test("writes both algorithms' key sets in the published shape", async () => {
  const dir = freshDir();
  const r = makeKeys("--out-dir", dir);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), [...FILES].sort());
  for (const name of FILES) assert.match(r.stdout, new RegExp(`wrote .*${name.replace(".", "\\.")}`));

  for (const alg of ALGS) {
    const privateText = readFileSync(join(dir, `${alg}.private.json`), "utf8");
    const privateSet = readSet(join(dir, `${alg}.private.json`));
    const publicSet = readSet(join(dir, `${alg}.public.json`));
    assert.equal(privateText, JSON.stringify(privateSet, null, 4) + "\n", "4-space layout like the spec files");

    assert.equal(privateSet.keys.length, 2);
    const [verifyKey, signKey] = privateSet.keys as [Jwk, Jwk];
    assert.deepEqual(verifyKey.key_ops, ["verify"]);
    assert.deepEqual(signKey.key_ops, ["sign"]);
    const kty = alg === "RS384" ? "RSA" : "EC";
    for (const key of [verifyKey, signKey]) {
      assert.equal(key.kty, kty);
      assert.equal(key.alg, alg);
      assert.equal(key.ext, true);
      assert.equal(key.kid, await jose.calculateJwkThumbprint(verifyKey, "sha256"), "kid is the RFC 7638 thumbprint");
    }
    assert.deepEqual(Object.keys(verifyKey), ORDER[kty]!.verify);
    assert.deepEqual(Object.keys(signKey), ORDER[kty]!.sign);
    if (kty === "RSA") assert.equal(Buffer.from(String(verifyKey.n), "base64url").length * 8, 2048);
    else assert.equal(verifyKey.crv, "P-384");

    assert.deepEqual(publicSet, { keys: [verifyKey] }, "public file = the public key only");
    for (const member of PRIVATE_MEMBERS) assert.ok(!(member in publicSet.keys[0]!), `public key has no "${member}"`);
  }
});

test("a token signed with a private file's key verifies with its public file", async () => {
  const dir = freshDir();
  assert.equal(makeKeys("--out-dir", dir).status, 0);
  for (const alg of ALGS) {
    const signJwk = readSet(join(dir, `${alg}.private.json`)).keys.find((k) => k.key_ops?.includes("sign"))!;
    const token = await new jose.SignJWT({ sub: "test" })
      .setProtectedHeader({ alg, kid: signJwk.kid!, typ: "JWT" })
      .sign(await jose.importJWK(signJwk, alg));
    const publicSet = jose.createLocalJWKSet(readSet(join(dir, `${alg}.public.json`)));
    const { protectedHeader, payload } = await jose.jwtVerify(token, publicSet);
    assert.equal(protectedHeader.kid, signJwk.kid);
    assert.equal(payload.sub, "test");
  }
});

test("refuses to overwrite an existing key file without --force and writes nothing", () => {
  const dir = freshDir();
  assert.equal(makeKeys("--out-dir", dir).status, 0);
  const before = snapshot(dir);
  const r = makeKeys("--out-dir", dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /RS384\.private\.json already exists/);
  assert.match(r.stderr, /--force/);
  assert.deepEqual(snapshot(dir), before, "files unchanged");

  // One existing file is enough to refuse, and the missing ones are not created either.
  const partial = freshDir();
  assert.equal(makeKeys("--out-dir", partial).status, 0);
  for (const name of FILES) if (name !== "ES384.public.json") rmSync(join(partial, name));
  writeFileSync(join(partial, "ES384.public.json"), "kept\n");
  const r2 = makeKeys("--out-dir", partial);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /ES384\.public\.json already exists/);
  assert.deepEqual([...snapshot(partial)], [["ES384.public.json", "kept\n"]]);
});

test("--force overwrites with fresh keys", () => {
  const dir = freshDir();
  assert.equal(makeKeys("--out-dir", dir).status, 0);
  const before = snapshot(dir);
  const r = makeKeys("--out-dir", dir, "--force");
  assert.equal(r.status, 0, r.stderr);
  const now = snapshot(dir);
  assert.deepEqual([...now.keys()].sort(), [...before.keys()].sort());
  for (const [name, text] of now) assert.notEqual(text, before.get(name), `${name} was rewritten`);
});

test("--rsa-bits below 2048 is refused before anything is written", () => {
  const dir = freshDir();
  const r = makeKeys("--out-dir", dir, "--rsa-bits", "1024");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /at least 2048/);
  assert.ok(!existsSync(dir));
});

test("the published example key files keep their exact bytes through our layout", () => {
  for (const name of FILES) {
    const text = readFileSync(join(specDir, name), "utf8");
    const set = JSON.parse(text) as { keys: jose.JWK[] };
    assert.equal(formatJwkSet({ keys: set.keys.map(orderMembers) }), text, name);
  }
});
