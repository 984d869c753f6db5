// A throw-away copy of the project to benchmark in, so that the real docs/ and
// build cache are never touched: package.json, notebooks/, keys/ and docs/ copied,
// node_modules/ linked. The compiled dist/ is copied too (npm scripts call it relative
// to the project): a rebuild of the project during the benchmark would otherwise change
// the build's own fingerprint and turn a no-op build into a full one.
import { cp, mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultNotebooks } from "../pipeline/jobs.js";
import { findProject } from "../project.js";

export interface Workspace {
  dir: string;
  /** The copy's compiled build. */
  buildScript: string;
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
    for (const sub of ["notebooks", "keys", "docs", "dist"]) {
      await cp(join(root, sub), join(dir, sub), { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "ENOENT") throw e;
      });
    }
    await symlink(join(root, "node_modules"), join(dir, "node_modules"));
    // The notebooks the build itself would find there.
    const notebooks = await defaultNotebooks(findProject(dir));
    return { dir, buildScript: join(dir, "dist", "scripts", "build-docs.js"), tmp, notebooks, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
