import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Bounds } from "../../src/write/bounds.js";
import { nodeFileSystem } from "../../src/write/fs-layer.js";

test("a docs folder that is itself a link is refused, also when it is one of the bounds", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "bounds-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const project = join(dir, "project");
  await mkdir(join(dir, "elsewhere"), { recursive: true });
  await mkdir(project);
  await symlink(join(dir, "elsewhere"), join(project, "docs"));
  const bounds = new Bounds([project, join(project, "docs")]);
  await assert.rejects(bounds.check(nodeFileSystem, join(project, "docs", "x.md")), /lies under a symbolic link, .*project\/docs/);
  // An --out-dir outside the project is a root of its own and may be written below.
  const out = join(dir, "site");
  await mkdir(out);
  await new Bounds([project, out]).check(nodeFileSystem, join(out, "x.md"));
});
