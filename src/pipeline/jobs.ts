import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { glob } from "glob";
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
}

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

/** Every notebooks/**\/*.ipynb, in a stable order; Jupyter's checkpoints are not notebooks to build. */
export async function defaultNotebooks(project: Project): Promise<string[]> {
  const found = await glob("**/*.ipynb", { cwd: project.notebooksDir, absolute: true, ignore: ["**/.ipynb_checkpoints/**"] });
  return found.sort();
}
