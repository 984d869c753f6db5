import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Where a project keeps what the build reads and writes. */
export interface Project {
  root: string;
  notebooksDir: string;
  keysDir: string;
  docsDir: string;
  /** Build state for skipping unchanged work; local to a checkout, never committed. */
  cacheFile: string;
}

/** The nearest folder at or above `from` with a package.json: the project the build serves. */
export function findProject(from: string, docsDir?: string): Project {
  let dir = resolve(from);
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) {
      dir = resolve(from);
      break;
    }
    dir = up;
  }
  return {
    root: dir,
    notebooksDir: join(dir, "notebooks"),
    keysDir: join(dir, "keys"),
    docsDir: docsDir ? resolve(docsDir) : join(dir, "docs"),
    cacheFile: join(dir, ".cache", "docs-build.json"),
  };
}
