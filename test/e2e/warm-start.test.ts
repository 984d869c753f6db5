import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { notebookJson, processesIn, projectRoot, ProjectCopy, snapshot, type RunResult } from "../support/project-copy.js";

// One project copy with a warm-kernel snapshot made for its notebooks/ folder by
// scripts/warm-kernel.ts, as `prepare` makes it for the project's own. Builds with
// DOCS_WARM_KERNEL=0 start every kernel cold.
const run = promisify(execFile);
const COLD = { DOCS_WARM_KERNEL: "0" };

describe("warm kernel start from a V8 snapshot", () => {
  let copy: ProjectCopy;
  let snapshotDir: string;

  async function keyFile(): Promise<string> {
    const name = (await readdir(snapshotDir)).find((f) => f.endsWith(".json"));
    assert.ok(name, "a key file beside the snapshot");
    return join(snapshotDir, name);
  }

  /** Kernels left after a build: any process still working in the copy. */
  async function assertNoKernelLeft(): Promise<void> {
    assert.deepEqual(await processesIn(copy.dir), []);
  }

  function failureLine(r: RunResult): string {
    return r.stderr.split("\n").filter((l) => l.startsWith("  notebooks/")).join("\n");
  }

  before(async () => {
    // A snapshot of the run's made for this copy's folder, its files this copy's own: the
    // tests below change them.
    copy = await ProjectCopy.create({ warm: true });
    await copy.ownWarmKernel();
    snapshotDir = copy.path(".cache", "warm-kernel");
    // What a snapshot could lose shows on the page: argv, execArgv, the stack trace limit, the
    // main module, and an error's traceback.
    await copy.write("notebooks/small.ipynb", notebookJson([
      'import { display } from "tslab";\nconst n: number = 6 * 7;\nconsole.log(n, process.argv.length, process.execArgv.length, Error.stackTraceLimit, require.main?.filename.endsWith("tslab/bin/tslab"));',
      { source: 'throw new Error("boom");', tags: ["raises-exception"] },
    ]));
    await copy.write("notebooks/typo.ipynb", notebookJson(["const a = 1;", "const s: string = a;"]));
  });
  after(async () => {
    await copy?.dispose();
  });

  test("pages, and a compile error, are the same with and without the warm start", async () => {
    // What a snapshot could lose, and a cell that does not compile. The project's pages, jose and
    // notebooks/lib/ imports included, are built warm in test/e2e/build.test.ts and compared with
    // the committed tree, which test/e2e/parity-execute.test.ts compares with Jupyter's kernels.
    const notebooks = ["notebooks/small.ipynb", "notebooks/typo.ipynb"];
    const cold = await copy.run(["--force", "--out-dir", "docs-cold", ...notebooks], { env: COLD });
    assert.equal(cold.code, 1, cold.stderr + cold.stdout);
    assert.match(failureLine(cold), /^ {2}notebooks\/typo\.ipynb, cell 2: .*Type 'number' is not assignable to type 'string'/);
    const warm = await copy.run(["--force", "--verbose", "--out-dir", "docs-warm", ...notebooks]);
    assert.equal(warm.code, 1, warm.stderr + warm.stdout);
    assert.equal(failureLine(warm), failureLine(cold));
    // Every fallback says so under --verbose: silence means every kernel started warm.
    assert.doesNotMatch(warm.stderr, /warm kernel/);
    const coldFiles = await snapshot(copy.path("docs-cold"));
    const warmFiles = await snapshot(copy.path("docs-warm"));
    assert.ok(coldFiles.size >= 2, `pages written: ${[...coldFiles.keys()].join(", ")}`);
    assert.deepEqual(
      new Map([...warmFiles].map(([p, c]) => [p.replace("docs-warm", "docs-cold"), c])),
      coldFiles,
    );
    await assertNoKernelLeft();
  });

  test("a stale key (another lock-file hash) is remade before the kernel starts, from it", async () => {
    const file = await keyFile();
    const key = JSON.parse(await readFile(file, "utf8")) as { lockFile: string };
    const fresh = key.lockFile;
    await writeFile(file, JSON.stringify({ ...key, lockFile: "0".repeat(64) }));
    const r = await copy.run(["--force", "--verbose", "notebooks/small.ipynb"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warm kernel: snapshot for .*notebooks is stale; remaking it, the kernels there wait for it$/m);
    assert.match(r.stderr, /^warm kernel: snapshot for .*notebooks remade$/m);
    assert.equal((JSON.parse(await readFile(file, "utf8")) as { lockFile: string }).lockFile, fresh);
    // And the remade one is used.
    const again = await copy.run(["--force", "--verbose", "notebooks/small.ipynb"]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /warm kernel/);
    await assertNoKernelLeft();
  });

  test("a checkout with no snapshot (moved, copied) makes one in its first build, under the lock, and its kernels start from it", async () => {
    const moved = await ProjectCopy.create({ notebooks: false });
    try {
      await moved.write("notebooks/small.ipynb", notebookJson(["const a = 6;", "console.log(JSON.stringify({ a, b: a * 7 }));"]));
      const args = ["--force", "--verbose", "notebooks/small.ipynb"];
      // Builds of throw-away copies are cold by default (support/project-copy.ts): not here.
      const env = { DOCS_WARM_KERNEL: "1" };
      // --check writes nothing and holds no lock: it makes no snapshot.
      const check = await moved.run(["--check", ...args], { env });
      assert.match(check.stderr, /^warm kernel: no snapshot for .*notebooks \(a build or npm run warm-kernel makes one\); kernels there start cold$/m);
      assert.deepEqual(await readdir(moved.path(".cache", "warm-kernel")).catch(() => []), []);
      const first = await moved.run(args, { env });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /^warm kernel: no snapshot for .*notebooks; making it, the kernels there wait for it$/m);
      assert.match(first.stderr, /^warm kernel: snapshot for .*notebooks remade$/m);
      const page = await moved.read("docs/small.md");
      assert.match(page, /\{"a":6,"b":42\}/);
      const second = await moved.run(args, { env });
      assert.equal(second.code, 0, second.stderr);
      assert.doesNotMatch(second.stderr, /warm kernel/);
      assert.equal(await moved.read("docs/small.md"), page);
    } finally {
      await moved.dispose();
    }
  });

  test("a corrupt snapshot file falls back to a cold start with the same page", async () => {
    const before = await copy.read("docs/small.md");
    const blob = (await keyFile()).replace(/\.json$/, ".blob");
    const good = await readFile(blob);
    const bytes = Buffer.from(good);
    for (let i = 4096; i < bytes.length; i += 65_537) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(blob, bytes);
    try {
      const r = await copy.run(["--force", "--verbose", "notebooks/small.ipynb"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^warm kernel did not start \(kernel exited while starting .*\); starting it cold, remaking the snapshot$/m);
      assert.equal(await copy.read("docs/small.md"), before);
      await assertNoKernelLeft();
    } finally {
      // The tests after this one start from the snapshot again.
      await writeFile(blob, good);
    }
  });

  test("a .cache/warm-kernel that is a symbolic link is refused: nothing is written through it", async () => {
    const outside = await mkdtemp(join(tmpdir(), "warm-outside-"));
    const saved = `${snapshotDir}.real`;
    await rename(snapshotDir, saved);
    try {
      await symlink(outside, snapshotDir);
      const { stdout } = await run(process.execPath, [join(projectRoot, "dist", "scripts", "warm-kernel.js")], { cwd: copy.dir });
      assert.match(stdout, /no snapshot for .*notebooks, its kernels start cold: .*warm-kernel.* symbolic link/);
      assert.deepEqual(await readdir(outside), []);
    } finally {
      await rm(snapshotDir, { force: true });
      await rename(saved, snapshotDir);
      await rm(outside, { recursive: true, force: true });
    }
  });

  // SIGTERM and SIGINT stop warm kernels in test/e2e/bad-input.test.ts, whose copies start warm.
  test("no kernel started from a snapshot outlives a build stopped by SIGKILL", async () => {
    await copy.write("notebooks/slow.ipynb", notebookJson(['console.log("started"); await new Promise((r) => setTimeout(r, 120_000));']));
    let kernelSeen = false;
    let poll: NodeJS.Timeout | undefined;
    await copy.run(["--force", "--verbose", "notebooks/slow.ipynb"], {
      onStart: (pid) => {
        poll = setInterval(async () => {
          for (const k of await processesIn(copy.path("notebooks"))) {
            const cmdline = await readFile(`/proc/${k}/cmdline`, "utf8").catch(() => "");
            if (!cmdline.includes("--snapshot-blob") || cmdline.includes("--build-snapshot") || kernelSeen) continue;
            kernelSeen = true;
            // Once it is running the cell: then the build is well past the kernel's start.
            setTimeout(() => process.kill(pid, "SIGKILL"), 1000);
          }
        }, 100);
      },
    }).finally(() => clearInterval(poll));
    assert.ok(kernelSeen, "a kernel started from the snapshot");
    // A killed build stops nothing itself: the kernel's own watchdog ends it within about 0.5 s.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await assertNoKernelLeft();
  });
});
