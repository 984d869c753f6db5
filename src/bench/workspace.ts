// A throw-away copy of the project to benchmark in, so that the real docs/ and
// build cache are never touched: package.json, notebooks/, keys/ and docs/ copied;
// node_modules/ and the compiled dist/ linked (npm scripts call dist/ relative to
// the project).
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Workspace {
  dir: string;
  /** TMPDIR of every command run in the copy, so their temporary files stay in it. */
  tmp: string;
  notebooks: string[];
  dispose(): Promise<void>;
}

export async function createWorkspace(root: string): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), "docs-bench-"));
  try {
    const tmp = join(dir, ".tmp");
    await mkdir(tmp);
    await cp(join(root, "package.json"), join(dir, "package.json"));
    for (const sub of ["notebooks", "keys", "docs"]) {
      await cp(join(root, sub), join(dir, sub), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
    }
    for (const link of ["node_modules", "dist"]) await symlink(join(root, link), join(dir, link));
    const entries = await readdir(join(dir, "notebooks"), { recursive: true, withFileTypes: true }).catch(() => []);
    const notebooks = entries
      .filter((e) => e.isFile() && e.name.endsWith(".ipynb") && !e.parentPath.includes(".ipynb_checkpoints"))
      .map((e) => join(e.parentPath, e.name))
      .sort();
    return { dir, tmp, notebooks, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
