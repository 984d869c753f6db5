import { realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { DependencyError } from "../execute/dependency-error.js";
import { BoundedReadError, readBounded } from "../io/read-bounded.js";

/** Largest file a notebook may declare in "docs": {"depends": […]}. */
export const MAX_DEPENDENCY_BYTES = 64 * 1024 * 1024;

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The content of one declared dependency, or undefined when it does not exist (yet). It must be
 * a regular file inside the project, symbolic links resolved, of at most MAX_DEPENDENCY_BYTES:
 * the build hashes it, and /dev/zero or a FIFO would grow or hang the build.
 */
export async function readDependency(entry: string, notebookPath: string, projectRoot: string): Promise<Buffer | undefined> {
  const label = relative(projectRoot, notebookPath) || notebookPath;
  const fail = (why: string) => new DependencyError(label, `"docs": {"depends"} entry ${JSON.stringify(entry)}: ${why}`);
  const path = resolve(notebookPath, "..", entry);
  const root = await realpath(projectRoot);
  if (!inside(resolve(projectRoot), path)) throw fail(`${path} is outside the project`);
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fail((e as Error).message);
  }
  if (!inside(root, real)) throw fail(`${real} is outside the project`);
  try {
    return await readBounded(real, MAX_DEPENDENCY_BYTES);
  } catch (e) {
    if (e instanceof BoundedReadError) throw fail(e.reason);
    throw e;
  }
}
