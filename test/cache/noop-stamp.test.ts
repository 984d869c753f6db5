// The no-op build's stamp: a stat of what the last no-op run read, trusted only while nothing moved.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { noopStampContent, stampPath, unchangedSince } from "../../src/cache/noop-stamp.js";

let dir: string;
let cacheDir: string;
const argv = ["--jobs", "2"];
const file = (): string => join(dir, "notebooks", "a.ipynb");
const missing = (): string => join(dir, "notebooks", "lib", "later.ts");

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "noop-stamp-"));
  cacheDir = join(dir, ".cache");
  await mkdir(join(dir, "notebooks", "lib"), { recursive: true });
});
after(() => rm(dir, { recursive: true, force: true }));

/** The build's lock: present while the stamp is written, and must be absent for the stamp to hold. */
const lock = (): string => join(cacheDir, "docs-build.lock");

/** A fresh stamp over one notebook, a file that does not exist yet and the notebooks' folder, taken with the lock held. */
async function stamped(): Promise<void> {
  await writeFile(file(), "{}");
  await mkdir(lock(), { recursive: true });
  const content = noopStampContent({ argv, cwd: dir, stdout: "ok    a.ipynb\n", summary: "1 notebook(s), 0 failed" }, { files: [file(), missing()], dirs: [join(dir, "notebooks")], absent: [lock()] });
  await writeFile(stampPath(cacheDir), content);
  await rm(lock(), { recursive: true });
}
const check = (racyNs = 0n, args: readonly string[] = argv, cwd = dir) => unchangedSince(cacheDir, args, cwd, racyNs);

test("the same command with nothing moved gets the stamp and its lines back", async () => {
  await stamped();
  const stamp = check();
  assert.ok(stamp, "no stamp answered");
  assert.equal(stamp.stdout, "ok    a.ipynb\n");
  assert.equal(stamp.summary, "1 notebook(s), 0 failed");
});

test("another command line, folder or a missing stamp takes the full path", async () => {
  await stamped();
  assert.equal(check(0n, ["--jobs", "3"]), undefined);
  assert.equal(check(0n, [...argv, "--force"]), undefined);
  assert.equal(check(0n, argv, join(dir, "notebooks")), undefined);
  await rm(stampPath(cacheDir));
  assert.equal(check(), undefined);
});

test("a file rewritten with the same bytes, removed, or appearing where none was, takes the full path", async () => {
  await stamped();
  // Past one tick of the file system's clock (a rewrite within it is what the racy rule is for).
  await sleep(30);
  await writeFile(file(), "{}");
  assert.equal(check(), undefined, "a rewrite with the same size and content");
  await stamped();
  await rm(file());
  assert.equal(check(), undefined, "a removed file");
  await stamped();
  await writeFile(missing(), "export {};");
  assert.equal(check(), undefined, "a file that was missing appeared");
  await rm(missing());
});

test("a new entry in a folder read takes the full path", async () => {
  await stamped();
  await writeFile(join(dir, "notebooks", "b.ipynb"), "{}");
  assert.equal(check(), undefined);
  await rm(join(dir, "notebooks", "b.ipynb"));
});

test("a file changed within the clock's reach of the stamp is not trusted", async () => {
  await stamped();
  assert.equal(check(2_000_000_000n), undefined, "a notebook written just now");
  assert.ok(check(0n));
});

test("a stamp that is not one the build wrote takes the full path", async () => {
  await mkdir(cacheDir, { recursive: true });
  for (const text of ["", "{", "null", JSON.stringify({ version: 2 }), JSON.stringify({ version: 1, argv: "x" })]) {
    await writeFile(stampPath(cacheDir), text);
    assert.equal(check(), undefined, text);
  }
});

test("a stamp that is not a regular file is not read (a FIFO would wait forever)", async () => {
  await mkdir(cacheDir, { recursive: true });
  await rm(stampPath(cacheDir), { force: true });
  execFileSync("mkfifo", [stampPath(cacheDir)]);
  assert.equal(check(), undefined);
  await rm(stampPath(cacheDir));
});

test("a lock or journal that must be absent, present, takes the full path", async () => {
  await stamped();
  await mkdir(lock());
  assert.equal(check(), undefined);
  await rm(lock(), { recursive: true });
  assert.ok(check());
});
