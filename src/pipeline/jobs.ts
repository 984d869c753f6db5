import { readdir } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { GivenParameters } from "../params/values.js";
import type { Project } from "../project.js";

/** One notebook to build and where its page goes. */
export interface NotebookJob {
  path: string;
  /** The notebook as messages name it: relative to the project root. */
  label: string;
  /** Basename without .ipynb: names the page and its extracted files. */
  name: string;
  /** Folder of the page: docs/, mirroring sub-folders of notebooks/. */
  docsDir: string;
  /** Folder of the page's `<name>_files/` when not beside the page (an IG's input/images). */
  filesDir?: string;
  /** Values injected after the parameters cell: from the command line or a variant (src/pipeline/variants.ts). */
  params?: GivenParameters;
  allowUndeclared?: boolean;
  /** The variant this job renders (its page is <name>.<variant>.md), with the index's link text. */
  variant?: { name: string; title: string };
  /**
   * Where the executed notebook goes: undefined, back into the notebook; a path, there; null,
   * nowhere. With parameters the source notebook is never rewritten.
   */
  notebookOut?: string | null;
  /**
   * The committed page a job without a stored notebook takes outputs from: its verifying
   * randomized tokens, and under --no-execute everything. Default: the page where it is written.
   */
  committedPage?: string;
  /** Key of this job's record in the build state, when it differs from the label. */
  stateKey?: string;
}

/** Where a file of a job's page goes, by its path relative to the page as renderers name it. */
export function pageFilePath(job: NotebookJob, rel: string): string {
  return rel.startsWith(`${job.name}_files/`) ? join(job.filesDir ?? job.docsDir, rel) : join(job.docsDir, rel);
}

/** The folder of a job's extracted outputs. */
export const extractDirOf = (job: NotebookJob): string => join(job.filesDir ?? job.docsDir, `${job.name}_files`);

export function jobFor(path: string, project: Project): NotebookJob {
  const abs = resolve(path);
  const name = basename(abs, extname(abs));
  const sub = relative(project.notebooksDir, dirname(abs));
  const inside = sub === "" || (!sub.startsWith("..") && !sub.startsWith("/"));
  return {
    path: abs,
    label: relative(project.root, abs) || abs,
    name,
    docsDir: inside ? join(project.docsDir, sub) : project.docsDir,
  };
}

/** Whether a path lies in one of Jupyter's checkpoint folders. */
export const isCheckpoint = (path: string): boolean => path.split("/").includes(".ipynb_checkpoints");

/**
 * Every notebooks/**\/*.ipynb in a stable order, Jupyter's checkpoints left out. A plain
 * recursive listing: this runs on every build, also the no-op one, which must stay fast.
 */
export async function defaultNotebooks(project: Project): Promise<string[]> {
  const entries = await readdir(project.notebooksDir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ipynb"))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !isCheckpoint(relative(project.notebooksDir, p)))
    .sort();
}

const GLOB_MAGIC = /[*?[\]{}]/;

/**
 * Notebook arguments: paths as given, patterns (`notebooks/**\/id-*.ipynb`) expanded with glob.
 * A pattern that matches nothing is an error, not an empty build.
 */
export async function expandArguments(args: readonly string[], cwd: string): Promise<{ paths: string[]; unmatched: string[] }> {
  const paths: string[] = [];
  const unmatched: string[] = [];
  for (const arg of args) {
    if (!GLOB_MAGIC.test(arg)) {
      paths.push(resolve(cwd, arg));
      continue;
    }
    const { glob } = await import("glob");
    const found = (await glob(arg, { cwd, absolute: true, ignore: ["**/.ipynb_checkpoints/**"] })).sort();
    if (found.length === 0) unmatched.push(arg);
    paths.push(...found);
  }
  return { paths: [...new Set(paths)], unmatched };
}
