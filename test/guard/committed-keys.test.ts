import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { committedKeyFiles } from "../../src/guard/committed-keys.js";
import { snapshotProject } from "../../src/guard/project-snapshot.js";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import { verifyToken } from "../../src/tokens/verify.js";
import { makeKey, sign, tempDir, writeJson } from "../fixtures/tokens/helpers.js";

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });

test("a key file changed or added since the last commit verifies nothing until it is committed", async (t) => {
  const root = await tempDir(t, "committed-keys-");
  const keys = join(root, "keys");
  await mkdir(join(keys, "spec"), { recursive: true });
  const good = await makeKey("RS384", "good");
  const changed = await makeKey("ES384", "changed");
  await writeJson(join(keys, "good.public.json"), { keys: [good.publicJwk] });
  await writeJson(join(keys, "spec", "changed.public.json"), { keys: [changed.publicJwk] });
  git(root, "init", "-q");
  git(root, "add", "keys");
  git(root, "commit", "-qm", "keys");

  // A notebook's doing: a planted key, and a committed file whose key it replaced by its own.
  const planted = await makeKey("RS384", "planted");
  const forger = await makeKey("ES384", "changed");
  await writeJson(join(keys, "planted.public.json"), { keys: [planted.publicJwk] });
  await writeJson(join(keys, "spec", "changed.public.json"), { keys: [forger.publicJwk] });

  const committed = await committedKeyFiles(keys);
  assert.deepEqual([...(committed?.keys() ?? [])].sort(), [join(keys, "good.public.json"), join(keys, "spec", "changed.public.json")]);
  const ring = await loadKeyRing(keys, committed);
  assert.deepEqual(ring.kids, ["good"]);
  assert.deepEqual(ring.untrustedFiles, [join(keys, "planted.public.json"), join(keys, "spec", "changed.public.json")]);
  assert.equal((await verifyToken(await sign(good, { sub: "a" }), ring)).ok, true);
  for (const [key, file] of [[planted, "planted.public.json"], [forger, "spec/changed.public.json"]] as const) {
    const verdict = await verifyToken(await sign(key, { sub: "a" }), ring);
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? "" : verdict.reason, new RegExp(`is in \\S*keys/${file}, which is not committed as it is`));
  }

  // Committed by a human: trusted.
  git(root, "add", "keys");
  git(root, "commit", "-qm", "new keys");
  const after = await loadKeyRing(keys, await committedKeyFiles(keys));
  assert.deepEqual(after.kids, ["changed", "planted", "good"].sort());
  assert.deepEqual(after.untrustedFiles, []);
});

test("outside a git work tree, or with no key committed, every key is trusted as before", async (t) => {
  const root = await tempDir(t, "committed-keys-");
  await mkdir(join(root, "keys"));
  await writeJson(join(root, "keys", "a.json"), { keys: [(await makeKey("RS384", "a")).publicJwk] });
  assert.equal(await committedKeyFiles(join(root, "keys")), undefined);
  git(root, "init", "-q");
  await writeFile(join(root, "README.md"), "x\n");
  git(root, "add", "README.md");
  git(root, "commit", "-qm", "readme");
  assert.equal(await committedKeyFiles(join(root, "keys")), undefined);
});

test("git runs nothing a notebook could plant in .git/config or the user's config", async (t) => {
  const root = await tempDir(t, "committed-keys-");
  await mkdir(join(root, "keys"));
  await writeJson(join(root, "keys", "a.json"), { keys: [(await makeKey("RS384", "a")).publicJwk] });
  git(root, "init", "-q");
  git(root, "add", "keys");
  git(root, "commit", "-qm", "keys");
  const ran = join(root, "ran");
  await appendFile(join(root, ".git", "config"), `[core]\n\tfsmonitor = "touch ${ran}-fsmonitor"\n\tpager = "touch ${ran}-pager"\n\thooksPath = /nonexistent\n`);
  assert.equal((await committedKeyFiles(join(root, "keys")))?.size, 1);
  assert.equal(existsSync(`${ran}-fsmonitor`), false);
  assert.equal(existsSync(`${ran}-pager`), false);
});

test("the tamper check walks the keys folder in full before the rest of a project past its cap", async (t) => {
  const root = await tempDir(t, "snapshot-");
  await mkdir(join(root, "a", "b"), { recursive: true });
  for (let i = 0; i < 50; i++) await writeFile(join(root, "a", "b", `f${i}`), "x");
  await mkdir(join(root, "keys", "deep", "er"), { recursive: true });
  for (let i = 0; i < 20; i++) await writeFile(join(root, "keys", "deep", "er", `k${i}.json`), "{}");
  const snap = await snapshotProject(root, join(root, "keys"), 10);
  await writeFile(join(root, "keys", "deep", "er", "k19.json"), '{"keys":[]}');
  await writeFile(join(root, "keys", "deep", "er", "added.json"), "{}");
  assert.deepEqual(await snap.changesSince(new Set()), [
    { path: "keys/deep/er/added.json", how: "added" },
    { path: "keys/deep/er/k19.json", how: "changed" },
  ]);
});
