import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { Bounds } from "../../src/write/bounds.js";
import { nodeFileSystem, type FileSystem, type WritableFile } from "../../src/write/fs-layer.js";
import { commitUnit, recoverUnit, WriteError, type Change } from "../../src/write/unit.js";

/** The real file system, with one operation made to fail the way a full or broken disk does. */
function faulty(fault: { after?: (op: "link" | "rename", from: string, to: string) => Promise<void>; write?: (path: string, call: number) => "enospc" | "short" | "zero" | undefined; rename?: (to: string, call: number) => boolean; sizeLie?: (path: string) => boolean; dieAfterRename?: number; dieAfterLink?: number }): FileSystem {
  let writes = 0;
  let renames = 0;
  let links = 0;
  let dead = false;
  const guard = <T>(op: () => Promise<T>): Promise<T> => (dead ? Promise.reject(Object.assign(new Error("process gone"), { code: "EIO" })) : op());
  return {
    ...nodeFileSystem,
    open: async (path, flags, mode) => {
      const real = await guard(() => nodeFileSystem.open(path, flags, mode));
      const file: WritableFile = {
        write: async (buffer, offset, length, position) => {
          const kind = fault.write?.(path, ++writes);
          if (kind === "enospc") throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
          if (kind === "zero") return { bytesWritten: 0 };
          // A short write puts only half the bytes on disk and says so.
          const n = kind === "short" ? Math.max(1, Math.floor(length / 2)) : length;
          return real.write(buffer, offset, n, position);
        },
        sync: () => real.sync(),
        stat: async () => {
          const st = await real.stat();
          if (fault.sizeLie?.(path)) Object.defineProperty(st, "size", { value: st.size - 1 });
          return st;
        },
        close: () => real.close(),
      };
      return file;
    },
    rename: (from, to) =>
      guard(async () => {
        const call = ++renames;
        if (fault.rename?.(to, call)) throw Object.assign(new Error("EACCES: permission denied, rename"), { code: "EACCES" });
        await nodeFileSystem.rename(from, to);
        if (fault.dieAfterRename === call) dead = true;
        await fault.after?.("rename", from, to);
      }),
    unlink: (p) => guard(() => nodeFileSystem.unlink(p)),
    link: (a, b) =>
      guard(async () => {
        await nodeFileSystem.link(a, b);
        if (fault.dieAfterLink === ++links) dead = true;
        await fault.after?.("link", a, b);
      }),
    rmdir: (p) => guard(() => nodeFileSystem.rmdir(p)),
    readFile: (p) => guard(() => nodeFileSystem.readFile(p)),
  };
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length + 1)] = await readFile(join(e.parentPath, e.name), "utf8");
  }
  return out;
}

describe("commitUnit: a notebook's files as one unit", () => {
  let root: string;
  let project: string;
  let journalPath: string;
  let bounds: Bounds;
  const show = (p: string): string => p.slice(project.length + 1);
  const original = { "notebooks/a.ipynb": "old notebook", "docs/a.md": "old md", "docs/a.html": "old html" };
  const next = (): Change[] => [
    { path: join(project, "docs/a.md"), content: Buffer.from("new md") },
    { path: join(project, "docs/a.html"), content: Buffer.from("new html") },
    { path: join(project, "docs/a_files/a_1_0.png"), content: Buffer.from("png") },
    { path: join(project, "notebooks/a.ipynb"), content: Buffer.from("new notebook") },
  ];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "unit-"));
  });
  after(async () => rm(root, { recursive: true, force: true }));
  beforeEach(async () => {
    project = await mkdtemp(join(root, "p-"));
    journalPath = join(project, ".cache", "journal.json");
    bounds = new Bounds([project], show);
    for (const [rel, text] of Object.entries(original)) {
      await mkdir(join(project, rel, ".."), { recursive: true });
      await writeFile(join(project, rel), text);
    }
  });

  const options = (fs: FileSystem) => ({ fs, bounds, journalPath, show });
  const scope = () => ({ root: project, docsDir: join(project, "docs"), manifestName: ".docs-manifest.json" });

  test("writes every file, leaves no temporary file or journal", async () => {
    const written = await commitUnit(next(), options(nodeFileSystem));
    assert.equal(written.length, 4);
    assert.deepEqual(await tree(project), {
      "notebooks/a.ipynb": "new notebook",
      "docs/a.md": "new md",
      "docs/a.html": "new html",
      "docs/a_files/a_1_0.png": "png",
    });
  });

  test("leaves an unchanged file untouched (same modification time)", async () => {
    const md = join(project, "docs/a.md");
    const mtime = (await stat(md)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    const written = await commitUnit([{ path: md, content: Buffer.from("old md") }, { path: join(project, "docs/a.html"), content: Buffer.from("new html") }], options(nodeFileSystem));
    assert.deepEqual(written, [join(project, "docs/a.html")]);
    assert.equal((await stat(md)).mtimeMs, mtime);
  });

  for (const [what, fs, message] of [
    ["a full disk (ENOSPC on the third file, after the journal)", faulty({ write: (_p, call) => (call === 4 ? "enospc" : undefined) }), /cannot write docs\/a_files\/a_1_0\.png: ENOSPC/],
    ["a short write that then writes nothing", faulty({ write: (p, call) => (p.includes("a.html") ? (call % 2 ? "short" : "zero") : undefined) }), /cannot write docs\/a\.html: EIO: short write/],
    ["a file shorter on disk than written", faulty({ sizeLie: (p) => p.includes("a.md") }), /cannot write docs\/a\.md: EIO: short write: \d+ of 6 bytes on disk/],
    ["a rename refused after the first succeeded", faulty({ rename: (to) => to.includes("a.html") }), /cannot write docs\/a\.html: EACCES/],
  ] as const) {
    test(`${what}: fails naming the file and the reason, and changes no file`, async () => {
      await assert.rejects(commitUnit(next(), options(fs)), (e: unknown) => {
        assert.ok(e instanceof WriteError, String(e));
        assert.equal(e.exitStatus, 1);
        assert.match(e.message, message);
        return true;
      });
      assert.deepEqual(await tree(project), original);
      assert.deepEqual(await readdir(join(project, "docs")), ["a.html", "a.md"], "no temporary file, no new folder left");
    });
  }

  test("a build that dies between two renames is finished by the next one", async () => {
    // Links 1-3 keep backups of the three files replaced; link 4 puts docs/a.md's new file in place.
    await assert.rejects(commitUnit(next(), options(faulty({ dieAfterLink: 4 }))));
    // Half the unit is in place and the journal says how to finish it.
    assert.equal(await readFile(join(project, "docs/a.md"), "utf8"), "new md");
    assert.equal(await readFile(join(project, "notebooks/a.ipynb"), "utf8"), "old notebook");
    const said = await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope());
    assert.match(said ?? "", /finished a write a previous build was stopped in/);
    assert.deepEqual(await tree(project), {
      "notebooks/a.ipynb": "new notebook",
      "docs/a.md": "new md",
      "docs/a.html": "new html",
      "docs/a_files/a_1_0.png": "png",
    });
    assert.equal(await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope()), undefined, "journal gone");
  });

  test("a build that dies with a target moved aside, before its new file is linked in, is finished by the next one", async () => {
    // Renames 1 and 2 write the journal; rename 3 moves docs/a.md aside.
    await assert.rejects(commitUnit(next(), options(faulty({ dieAfterRename: 3 }))));
    assert.match((await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope())) ?? "", /finished a write/);
    assert.deepEqual(await tree(project), {
      "notebooks/a.ipynb": "new notebook",
      "docs/a.md": "new md",
      "docs/a.html": "new html",
      "docs/a_files/a_1_0.png": "png",
    });
  });

  test("a build that dies while writing temporaries is undone by the next one", async () => {
    // The journal rename is the first; dying right after it leaves a unit still writing.
    await assert.rejects(commitUnit(next(), options(faulty({ dieAfterRename: 1 }))));
    assert.match((await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope())) ?? "", /removed the temporary files/);
    assert.deepEqual(await tree(project), original);
  });

  test("a build that dies after keeping backups, before renaming, leaves no backup behind the next one", async () => {
    await assert.rejects(commitUnit(next(), options(faulty({ dieAfterLink: 3 }))));
    assert.ok((await readdir(join(project, "docs"))).some((n) => n.endsWith(".docs-bak")));
    assert.match((await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope())) ?? "", /removed the temporary files/);
    assert.deepEqual(await tree(project), original);
  });

  test("a planted journal pointing outside the project moves nothing", async () => {
    const outside = join(root, "victim.txt");
    await writeFile(outside, "theirs");
    await writeFile(join(project, "docs/.x.docs-tmp"), "planted");
    await mkdir(join(project, ".cache"), { recursive: true });
    await writeFile(journalPath, JSON.stringify({ version: 1, phase: "committing", renames: [{ temp: join(root, ".v.docs-tmp"), target: outside }], deletes: [join(root, "victim.txt")] }));
    assert.match((await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope())) ?? "", /ignored an unreadable write journal/);
    assert.equal(await readFile(outside, "utf8"), "theirs");
  });

  test("a planted journal deletes no file the manifest does not list and renames nothing onto a file the build does not write", async () => {
    const theirs = { "README.md": "readme", "package.json": "{}", "keys/k.json": "key", "notebooks/n.ipynb": "nb", "docs/README.md": "author's", "src/x.ts": "code" };
    for (const [rel, text] of Object.entries(theirs)) {
      await mkdir(join(project, rel, ".."), { recursive: true });
      await writeFile(join(project, rel), text);
    }
    await writeFile(join(project, "docs/.docs-manifest.json"), JSON.stringify({ generator: "build-docs", pages: { "notebooks/a.ipynb": ["a.md", "a.html"] } }));
    await mkdir(join(project, ".cache"), { recursive: true });
    const renameOnto = (rel: string) => {
      const target = join(project, rel);
      const temp = join(target, "..", `.${rel.split("/").pop()}.1-ab.docs-tmp`);
      return { temp, target, backup: temp.replace(/tmp$/, "bak") };
    };
    const plants: [string, unknown][] = [
      ...Object.keys(theirs).filter((r) => !r.endsWith(".ipynb")).map((rel): [string, unknown] => [`a delete of ${rel}`, { deletes: [join(project, rel)], renames: [] }]),
      ...Object.keys(theirs).filter((r) => r !== "docs/README.md" && r !== "notebooks/n.ipynb").map((rel): [string, unknown] => [`a rename onto ${rel}`, { deletes: [], renames: [renameOnto(rel)] }]),
      ["a delete of a notebook", { deletes: [join(project, "notebooks/n.ipynb")], renames: [] }],
      ["a delete beside listed ones", { deletes: [join(project, "docs/a.md"), join(project, "docs/README.md")], renames: [] }],
      ["a rename of a file not named as the build's temporary", { deletes: [], renames: [{ temp: join(project, "keys/k.json"), target: join(project, "docs/a.md"), backup: join(project, "docs/.a.md.1-ab.docs-bak") }] }],
    ];
    for (const [what, plant] of plants) {
      for (const r of (plant as { renames: { temp: string }[] }).renames) if (r.temp.endsWith(".docs-tmp")) await writeFile(r.temp, "planted");
      await writeFile(journalPath, JSON.stringify({ version: 1, phase: "committing", ...(plant as object) }));
      assert.match((await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope())) ?? "", /refused a write journal that names .*nothing was moved or deleted/, what);
      assert.equal(await readFile(`${journalPath}.refused`, "utf8").then(() => true), true, `${what}: kept aside`);
      for (const [rel, text] of Object.entries({ ...theirs, ...original })) assert.equal(await readFile(join(project, rel), "utf8"), text, `${what}: ${rel}`);
    }
  });

  test("a journal's delete of a page the manifest lists is done", async () => {
    await writeFile(join(project, "docs/.docs-manifest.json"), JSON.stringify({ generator: "build-docs", pages: { "notebooks/a.ipynb": ["a.md", "a.html"] } }));
    await mkdir(join(project, ".cache"), { recursive: true });
    await writeFile(journalPath, JSON.stringify({ version: 1, phase: "committing", renames: [], deletes: [join(project, "docs/a.html")] }));
    assert.match((await recoverUnit(nodeFileSystem, journalPath, bounds, show, scope())) ?? "", /finished a write/);
    assert.deepEqual(Object.keys(await tree(join(project, "docs"))).sort(), [".docs-manifest.json", "a.md"]);
  });

  /** What an editor does on save: a temporary file beside the target, renamed onto it. */
  const editorSave = async (path: string, text: string): Promise<void> => {
    await writeFile(`${path}.editor~`, text);
    await rename(`${path}.editor~`, path);
  };

  for (const [when, at] of [
    ["between the hash check and the backup", (op: string, _from: string, to: string) => op === "rename" && to.endsWith("journal.json")],
    ["just after the backup was taken", (op: string, _from: string, to: string) => op === "link" && to.includes("a.ipynb") && to.endsWith(".docs-bak")],
    ["between the target moved aside and the new file linked in", (op: string, from: string) => op === "rename" && from.endsWith("notebooks/a.ipynb")],
  ] as const) {
    test(`an editor's save of the notebook ${when} is kept, and nothing of the unit is written`, async () => {
      let saved = false;
      const fs = faulty({
        after: async (op, from, to) => {
          if (saved || !at(op, from, to)) return;
          saved = true;
          await editorSave(join(project, "notebooks/a.ipynb"), "saved by the author");
        },
      });
      // The notebook last, as the writer puts it: its backup and replacement come after the pages'.
      await assert.rejects(commitUnit(next(), options(fs)), (e: Error & { code?: string }) => {
        assert.equal(e.code, "ERR_NOTEBOOK_CHANGED", String(e));
        assert.match(e.message, /notebooks\/a\.ipynb changed on disk during the build/);
        return true;
      });
      assert.ok(saved);
      assert.deepEqual(await tree(project), { ...original, "notebooks/a.ipynb": "saved by the author" });
      assert.deepEqual((await readdir(join(project, "docs"))).sort(), ["a.html", "a.md"], "no temporary or backup left");
      assert.deepEqual(await readdir(join(project, "notebooks")), ["a.ipynb"]);
    });
  }

  test("a files folder swapped for a link during the commit: the delete under it is refused, nothing outside is deleted", async () => {
    const outside = await mkdtemp(join(root, "outside-"));
    await writeFile(join(outside, "old.png"), "theirs");
    await mkdir(join(project, "docs/a_files"));
    await writeFile(join(project, "docs/a_files/old.png"), "old png");
    const fs = faulty({
      after: async (op, from) => {
        // Right after the last file is put in place, before the deletes.
        if (op !== "link" || !from.includes("a.ipynb") || !from.endsWith(".docs-tmp")) return;
        await rm(join(project, "docs/a_files"), { recursive: true });
        await symlink(outside, join(project, "docs/a_files"));
      },
    });
    const changes = [...next().filter((c) => !c.path.includes("a_files")), { path: join(project, "docs/a_files/old.png"), content: null }];
    await assert.rejects(commitUnit(changes, options(fs)), (e: Error & { code?: string }) => e.code === "ERR_UNSAFE_PATH");
    assert.equal(await readFile(join(outside, "old.png"), "utf8"), "theirs");
  });

  test("refuses a target that is a symlink, or lies under one, or outside the bounds", async () => {
    const outside = join(root, `outside-${Date.now()}`);
    await mkdir(outside);
    await writeFile(join(outside, "theirs.md"), "theirs");
    await rm(join(project, "docs/a.md"));
    await symlink(join(outside, "theirs.md"), join(project, "docs/a.md"));
    await symlink(outside, join(project, "docs/a_files"));
    for (const [path, message] of [
      [join(project, "docs/a.md"), /docs\/a\.md is a symbolic link; the build never writes through links/],
      [join(project, "docs/a_files/x.png"), /docs\/a_files\/x\.png lies under a symbolic link, docs\/a_files/],
      [join(outside, "theirs.md"), /outside the folders the build writes/],
    ] as const) {
      await assert.rejects(commitUnit([{ path, content: Buffer.from("x") }], options(nodeFileSystem)), (e: Error & { code?: string }) => {
        assert.equal(e.code, "ERR_UNSAFE_PATH");
        assert.match(e.message, message);
        return true;
      });
    }
    assert.deepEqual(await tree(outside), { "theirs.md": "theirs" });
  });
});
