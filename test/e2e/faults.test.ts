import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KernelMark, notebookJson, ProjectCopy, projectRoot, snapshot } from "../support/project-copy.js";

// Each fault a careful writer must survive, against the compiled build in a copy of the project,
// asserting what was not lost. Most run with --no-execute (outputs stored in the notebook, no
// kernel); the concurrency faults need a cell that runs for a while.

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** A notebook with stored outputs: a stream, and an image when asked, under a given file name. */
function pageNotebook(text: string, image?: { filename?: string }): string {
  const nb = JSON.parse(notebookJson([`console.log(${JSON.stringify(text)})`])) as { cells: Record<string, unknown>[] };
  const outputs: unknown[] = [{ name: "stdout", output_type: "stream", text: [`${text}\n`] }];
  if (image) outputs.push({ data: { "image/png": PNG, "text/plain": ["<image>"] }, metadata: image.filename ? { filename: image.filename } : {}, output_type: "display_data" });
  nb.cells[0] = { ...nb.cells[0], execution_count: 1, outputs };
  return JSON.stringify(nb, null, 1) + "\n";
}

async function copyWith(notebooks: Record<string, string>, options: { warm?: boolean } = {}): Promise<ProjectCopy> {
  const copy = await ProjectCopy.create({ notebooks: false, ...options });
  for (const [rel, text] of Object.entries(notebooks)) await copy.write(rel, text);
  return copy;
}

const output = (r: { stdout: string; stderr: string }): string => `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** Whether this machine lets the test mount a small tmpfs (root in a namespace that allows it). */
function canMount(): boolean {
  const dir = join(tmpdir(), `mount-probe-${process.pid}`);
  spawnSync("mkdir", ["-p", dir]);
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status === 0;
  if (ok) spawnSync("umount", [dir]);
  spawnSync("rmdir", [dir]);
  return ok;
}

describe("faults: nothing is lost", { concurrency: 1 }, () => {
  const copies: ProjectCopy[] = [];
  const fresh = async (notebooks: Record<string, string>): Promise<ProjectCopy> => {
    const copy = await copyWith(notebooks);
    copies.push(copy);
    return copy;
  };
  after(async () => {
    for (const c of copies) await c.dispose();
  });

  test("a full disk: exit 1 naming the file and ENOSPC; the pages already there stay whole", async (t) => {
    if (!canMount()) {
      if (process.env.CI === "true") assert.fail("cannot mount a tmpfs to fill (needs root)");
      t.skip("cannot mount a tmpfs here");
      return;
    }
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first", {}) });
    const out = copy.path("site");
    await mkdir(out);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", out]);
    t.after(() => void spawnSync("umount", ["-l", out]));
    const first = await copy.run(["--no-execute", "--out-dir", out]);
    assert.equal(first.code, 0, output(first));
    const before = await snapshot(out);
    await copy.write("notebooks/guide.ipynb", pageNotebook("second, ".repeat(2000), {}));
    // Fill the disk to the last byte: dd stops at ENOSPC.
    spawnSync("dd", ["if=/dev/zero", `of=${join(out, "filler")}`, "bs=1k", "count=1000"]);
    const full = await copy.run(["--no-execute", "--out-dir", out]);
    assert.equal(full.code, 1, output(full));
    assert.match(full.stderr, /notebooks\/guide\.ipynb: cannot write .*: ENOSPC/, output(full));
    assert.doesNotMatch(full.stdout, /files? written/);
    const now = await snapshot(out);
    now.delete(join(out, "filler"));
    assert.deepEqual(now, before, "every page as it was, no temporary file");
  });

  test("a file name too long for the disk: exit 1, the notebook's page, notebook and images all as they were", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first", {}) });
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    const before = new Map([...(await snapshot(copy.path("docs"))), ...(await snapshot(copy.path("notebooks")))]);
    await copy.write("notebooks/guide.ipynb", pageNotebook("second", { filename: "x".repeat(300) }));
    const notebookNow = await copy.read("notebooks/guide.ipynb");
    const r = await copy.run(["--no-execute"]);
    assert.equal(r.code, 1, output(r));
    assert.match(r.stderr, /notebooks\/guide\.ipynb: cannot write docs\/guide_files\/x{300}\.png: ENAMETOOLONG/, output(r));
    const after = new Map([...(await snapshot(copy.path("docs"))), ...(await snapshot(copy.path("notebooks")))]);
    before.set(copy.path("notebooks/guide.ipynb"), Buffer.from(notebookNow).toString("base64"));
    assert.deepEqual(after, before, "the .md, .html and files folder all old: the unit was not half written");
  });

  test("a read-only files folder: exit 1 and the .md and .html stay old", async (t) => {
    if (!canMount()) {
      if (process.env.CI === "true") assert.fail("cannot mount a read-only tmpfs (needs root)");
      t.skip("cannot mount a tmpfs here");
      return;
    }
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first", {}) });
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    const files = copy.path("docs/guide_files");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k,ro", "tmpfs", files]);
    t.after(() => void spawnSync("umount", ["-l", files]));
    const before = await snapshot(copy.path("docs"));
    await copy.write("notebooks/guide.ipynb", pageNotebook("second", {}));
    const r = await copy.run(["--no-execute"]);
    assert.equal(r.code, 1, output(r));
    assert.match(r.stderr, /cannot write docs\/guide_files\/guide_0_1\.png: EROFS/, output(r));
    assert.deepEqual(await snapshot(copy.path("docs")), before);
  });

  test("a page and a files folder that are symlinks out of the project: exit 2, the files outside untouched", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first", {}) });
    const outside = await mkdtemp(join(tmpdir(), "outside-"));
    t_after(copies, outside);
    await writeFile(join(outside, "precious.md"), "not the build's");
    await mkdir(join(outside, "photos"));
    await writeFile(join(outside, "photos", "holiday.png"), "not the build's either");
    await symlink(join(outside, "precious.md"), copy.path("docs/guide.md"));
    await symlink(join(outside, "photos"), copy.path("docs/guide_files"));
    const r = await copy.run(["--no-execute"]);
    assert.equal(r.code, 2, output(r));
    assert.match(r.stderr, /docs\/guide\.md is a symbolic link; the build never writes through links/);
    assert.match(r.stderr, /docs\/guide_files is a symbolic link/);
    assert.equal(await readFile(join(outside, "precious.md"), "utf8"), "not the build's");
    assert.deepEqual(await readdir(join(outside, "photos")), ["holiday.png"]);
  });

  test("a symlinked notebook and a symlinked folder inside notebooks/ are named, not skipped", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first") });
    const elsewhere = await mkdtemp(join(tmpdir(), "elsewhere-"));
    t_after(copies, elsewhere);
    await writeFile(join(elsewhere, "linked.ipynb"), pageNotebook("linked"));
    await symlink(join(elsewhere, "linked.ipynb"), copy.path("notebooks/linked.ipynb"));
    await symlink(elsewhere, copy.path("notebooks/more"));
    const r = await copy.run(["--no-execute"]);
    assert.equal(r.code, 2, output(r));
    assert.match(r.stderr, /notebooks\/linked\.ipynb is a symbolic link \(to .*linked\.ipynb\)/);
    assert.match(r.stderr, /notebooks\/more is a symbolic link \(to .*\); the build neither follows nor writes through links/);
  });

  test("--out-dir over notebooks/: exit 2 before anything runs, the author's files all there", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first"), "notebooks/data.csv": "a,b\n1,2\n" });
    const before = await snapshot(copy.path("notebooks"));
    for (const dir of ["notebooks", "notebooks/site", "."]) {
      const r = await copy.run(["--no-execute", "--out-dir", dir]);
      assert.equal(r.code, 2, `${dir}\n${output(r)}`);
      assert.match(r.stderr, /--out-dir .* overlaps notebooks\/: the pages must go to a folder of their own/);
    }
    assert.deepEqual(await snapshot(copy.path("notebooks")), before);
  });

  test("colliding page names are refused before anything runs, naming both notebooks", async () => {
    const copy = await fresh({
      "notebooks/index.ipynb": pageNotebook("index"),
      "notebooks/guide.ipynb": pageNotebook("guide"),
      "notebooks/guide_files/inner.ipynb": pageNotebook("inner"),
      "elsewhere/a/twin.ipynb": pageNotebook("a"),
      "elsewhere/b/twin.ipynb": pageNotebook("b"),
    });
    const before = await snapshot(copy.path("docs"));
    const r = await copy.run(["--no-execute"]);
    assert.equal(r.code, 2, output(r));
    assert.match(r.stderr, /notebooks\/index\.ipynb would make docs\/index\.html, which is the site's own index/);
    assert.match(r.stderr, /notebooks\/guide_files\/inner\.ipynb makes docs\/guide_files\/inner\.md, inside the folder of notebooks\/guide\.ipynb's extracted files/);
    const twins = await copy.run(["--no-execute", "--out-dir", "site", "elsewhere/a/twin.ipynb", "elsewhere/b/twin.ipynb"]);
    assert.equal(twins.code, 2, output(twins));
    assert.match(twins.stderr, /elsewhere\/a\/twin\.ipynb and elsewhere\/b\/twin\.ipynb both make site\/twin\.md/);
    assert.deepEqual(await snapshot(copy.path("docs")), before);
    assert.equal(existsSync(copy.path("site")), false);
  });

  test("invalid UTF-8: exit 2 naming the byte offset; the notebook is not rewritten", async () => {
    const good = pageNotebook("caf\u00e9");
    const bytes = Buffer.from(good, "utf8");
    const at = bytes.indexOf(Buffer.from("\u00e9", "utf8"));
    bytes[at] = 0xff;
    const copy = await fresh({});
    await mkdir(copy.path("notebooks"), { recursive: true });
    await writeFile(copy.path("notebooks/latin.ipynb"), bytes);
    const r = await copy.run(["--no-execute"]);
    assert.equal(r.code, 2, output(r));
    assert.match(r.stderr, new RegExp(`notebooks/latin\\.ipynb: not valid UTF-8 at byte offset ${at} \\(0xff\\)`));
    assert.deepEqual(await readFile(copy.path("notebooks/latin.ipynb")), bytes);
  });

  test("a renamed notebook: --check names the orphan pages with and without a cache; a build that executes removes them", async () => {
    const copy = await fresh({ "notebooks/old-name.ipynb": pageNotebook("a page") });
    await writeFile(copy.path("docs/CNAME"), "example.org\n");
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    await rename(copy.path("notebooks/old-name.ipynb"), copy.path("notebooks/new-name.ipynb"));
    for (const cache of [true, false]) {
      if (!cache) await rm(copy.path(".cache"), { recursive: true, force: true });
      const check = await copy.run(["--no-execute", "--check"]);
      assert.equal(check.code, 1, output(check));
      assert.match(check.stdout, /docs\/old-name\.md: orphan page, its notebook notebooks\/old-name\.ipynb no longer exists/);
    }
    // Executed, so the build also looks for files its notebooks changed: the pages it removed itself are not among them.
    const build = await copy.run([]);
    assert.equal(build.code, 0, output(build));
    assert.doesNotMatch(build.stderr, /changed files that are not their outputs/);
    const left = await readdir(copy.path("docs"));
    assert.deepEqual(left.filter((n) => /name|CNAME/.test(n)).sort(), ["CNAME", "new-name.html", "new-name.md"]);
    assert.equal((await copy.run(["--no-execute", "--check"])).code, 0);
  });

  test("an output file named into a subfolder (figures/plot) is written and kept, rebuild after rebuild", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first", { filename: "figures/plot" }) });
    for (const args of [["--no-execute"], ["--no-execute", "--force"]]) {
      const r = await copy.run(args);
      assert.equal(r.code, 0, output(r));
      assert.ok(existsSync(copy.path("docs/guide_files/figures/plot.png")), args.join(" "));
    }
    const check = await copy.run(["--no-execute", "--check"]);
    assert.equal(check.code, 0, output(check));
  });

  test("a stray file in a files folder is reported by --check with a cache too", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first", {}) });
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    await writeFile(copy.path("docs/guide_files/stray.png"), "left behind");
    const check = await copy.run(["--no-execute", "--check"]);
    assert.equal(check.code, 1, output(check));
    assert.match(check.stdout, /docs\/guide_files\/stray\.png/);
    assert.match(check.stdout, /up to date \(cached\)|stale/);
  });

  test("--check reports a manifest that does not list what the build writes", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first") });
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    await rm(copy.path("docs/.docs-manifest.json"));
    const check = await copy.run(["--no-execute", "--check"]);
    assert.equal(check.code, 1, output(check));
    assert.match(check.stdout, /docs\/\.docs-manifest\.json/);
  });

  test("a corrupt or misshapen cache costs one warning line, never the build", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first") });
    for (const cache of ["{ not json", JSON.stringify({ version: 1, notebooks: { "notebooks/guide.ipynb": null } }), JSON.stringify({ version: 1, notebooks: { "notebooks/guide.ipynb": { files: 3 } } })]) {
      await copy.write(".cache/docs-build.json", cache);
      const r = await copy.run(["--no-execute"]);
      assert.equal(r.code, 0, output(r));
      assert.equal(r.stderr.split("\n").filter((l) => l.includes("ignoring the build cache")).length, 1, output(r));
    }
  });

  test("rotated keys: a cached --no-execute build and --check no longer vouch for the old tokens", async () => {
    const copy = await ProjectCopy.create();
    copies.push(copy);
    const first = await copy.run(["--no-execute"]);
    assert.equal(first.code, 0, output(first));
    execFileSync(process.execPath, [join(projectRoot, "dist/scripts/make-keys.js"), "--force", "--out-dir", copy.path("keys")], { stdio: "ignore" });
    const check = await copy.run(["--no-execute", "--check"]);
    assert.equal(check.code, 1, output(check));
    assert.match(check.stderr, /does not verify against keys\//);
    const build = await copy.run(["--no-execute"]);
    assert.equal(build.code, 1, output(build));
    assert.doesNotMatch(build.stdout, /unchanged \(cached\)/);
  });

  test("a build killed between two renames: the next build finishes the unit first", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first") });
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    // What a build killed after renaming guide.md leaves: guide.html's complete temporary and the journal.
    const html = copy.path("docs/guide.html");
    const temp = copy.path("docs/.guide.html.4242-0000.docs-tmp");
    const finished = (await copy.read("docs/guide.html")).replace("</body>", "<!-- the stopped build's -->\n</body>");
    await writeFile(temp, finished);
    const backup = copy.path("docs/.guide.html.4242-0000.docs-bak");
    await copy.write(".cache/docs-journal.json", JSON.stringify({ version: 1, phase: "committing", renames: [{ temp, target: html, backup }], deletes: [] }));
    const r = await copy.run(["--no-execute", "--check"]);
    assert.match(r.stderr, /a previous build was stopped while writing/);
    const build = await copy.run(["--no-execute", "--force"]);
    assert.match(build.stderr, /finished a write a previous build was stopped in \(1 file\(s\)\)/, output(build));
    assert.equal(existsSync(temp), false);
    assert.equal(existsSync(copy.path(".cache/docs-journal.json")), false);
  });

  test("a stale lock left by a killed build is taken over", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first") });
    const lock = copy.path(".cache/docs-build.lock");
    await mkdir(lock, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const r = await copy.run(["--no-execute", "--no-wait"]);
    assert.equal(r.code, 0, output(r));
    assert.equal(existsSync(lock), false, "released");
  });

  test("--check takes no lock and writes nothing: it runs while a build holds the lock", async () => {
    const copy = await fresh({ "notebooks/guide.ipynb": pageNotebook("first") });
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    await mkdir(copy.path(".cache/docs-build.lock"));
    const before = await snapshot(copy.dir);
    const r = await copy.run(["--no-execute", "--check"]);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(await snapshot(copy.dir), before);
  });
});

/** Removes a folder made outside a copy once the suite ends. */
function t_after(copies: ProjectCopy[], dir: string): void {
  copies.push({ dispose: () => rm(dir, { recursive: true, force: true }) } as ProjectCopy);
}

describe("faults while a notebook runs", { concurrency: 1 }, () => {
  let copy: ProjectCopy;
  const slow = (marker: string, ms: number): string =>
    notebookJson([`import * as fs from "node:fs";\nfs.writeFileSync(${JSON.stringify(marker)}, "");\nawait new Promise((r) => setTimeout(r, ${ms}));\nconsole.log("done")`]);

  before(async () => {
    copy = await copyWith({}, { warm: true });
  });
  after(async () => copy.dispose());

  /** Waits until the slow cell has written its mark (see KernelMark: the project is read-only to it). */
  async function waitFor(mark: KernelMark): Promise<void> {
    for (let i = 0; i < 600 && mark.content === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(mark.content !== undefined, `${mark.path} never appeared`);
  }

  test("a notebook saved while it runs: exit 1, the save kept, no page written", async () => {
    const marker = new KernelMark("edit-started");
    await copy.write("notebooks/edited.ipynb", slow(marker.path, 3000));
    const running = copy.run([], { onStart: () => marker.watch(copy.dir) });
    await waitFor(marker);
    const saved = notebookJson(['console.log("the author\'s edit")']);
    await copy.write("notebooks/edited.ipynb", saved);
    const r = await running;
    assert.equal(r.code, 1, output(r));
    assert.match(r.stderr, /notebooks\/edited\.ipynb: the notebook changed during the build/);
    assert.equal(await copy.read("notebooks/edited.ipynb"), saved);
    assert.equal(existsSync(copy.path("docs/edited.md")), false);
    await rm(copy.path("notebooks/edited.ipynb"));
    marker.stop();
  });

  test("two builds at once: the second waits, or exits at once with --no-wait; both trees whole", async () => {
    const marker = new KernelMark("lock-started");
    await copy.write("notebooks/slow.ipynb", slow(marker.path, 4000));
    const first = copy.run(["slow.ipynb"].map((n) => `notebooks/${n}`), { onStart: () => marker.watch(copy.dir) });
    await waitFor(marker);
    marker.stop();
    const refused = await copy.run(["--no-execute", "--no-wait"]);
    assert.equal(refused.code, 1, output(refused));
    assert.match(refused.stderr, /another build of this project is running \(lock \.cache\/docs-build\.lock\)/);
    const second = copy.run(["--no-execute"]);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.code, 0, output(a));
    assert.equal(b.code, 0, output(b));
    assert.match(b.stderr, /waiting for it/);
    assert.match(await copy.read("docs/slow.md"), /done/);
    assert.deepEqual((await readdir(copy.path("docs"))).filter((n) => n.includes("docs-tmp")), []);
  });
});
