import { lstat, readdir, readlink, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { DocsError, type ErrorCode } from "../errors.js";
import type { Project } from "../project.js";
import { Bounds, isInside, UnsafePathError } from "../write/bounds.js";
import { nodeFileSystem } from "../write/fs-layer.js";
import { MANIFEST_NAME } from "../write/manifest.js";
import { extractDirOf, jobFor, type NotebookJob } from "./jobs.js";
import type { Target } from "../targets/types.js";
import { docsOutput } from "../write/writer.js";

interface Problem {
  code: ErrorCode;
  message: string;
}

/** Everything found wrong before anything runs, one line each; the exit status is 2. */
export class PreflightError extends DocsError {
  override name = "PreflightError";
  constructor(readonly problems: Problem[]) {
    super(problems[0]!.code, problems.map((p) => p.message).join("\n"));
  }
}

/** Links inside notebooks/ to notebooks or folders: never followed, so they are named. */
export async function linkedNotebooks(project: Project): Promise<Problem[]> {
  const entries = await readdir(project.notebooksDir, { recursive: true, withFileTypes: true }).catch(() => []);
  const problems: Problem[] = [];
  for (const e of entries) {
    if (!e.isSymbolicLink()) continue;
    const path = join(e.parentPath, e.name);
    if (relative(project.notebooksDir, path).split("/").includes(".ipynb_checkpoints")) continue;
    const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
    if (!isDir && !e.name.endsWith(".ipynb")) continue;
    const target = await readlink(path).catch(() => "?");
    problems.push({
      code: "ERR_UNSAFE_PATH",
      message: `${relative(project.root, path)} is a symbolic link (to ${target}); the build neither follows nor writes through links: put the ${isDir ? "folder" : "notebook"} itself there`,
    });
  }
  return problems;
}

/** Pages two notebooks would both write, or that would land in another page's files folder or on the index. */
export function pageCollisions(project: Project, jobs: readonly NotebookJob[]): Problem[] {
  const problems: Problem[] = [];
  const owner = new Map<string, NotebookJob>();
  const show = (p: string): string => relative(project.root, p) || p;
  const index = join(project.docsDir, "index.html");
  const manifest = join(project.docsDir, MANIFEST_NAME);
  for (const job of jobs) {
    for (const page of [join(job.docsDir, `${job.name}.md`), join(job.docsDir, `${job.name}.html`)]) {
      const other = owner.get(page);
      if (other && other.path !== job.path) {
        problems.push({ code: "ERR_PAGE_COLLISION", message: `${other.label} and ${job.label} both make ${show(page)}: rename one of them` });
      }
      owner.set(page, job);
      if (page === index || page === manifest) {
        problems.push({ code: "ERR_PAGE_COLLISION", message: `${job.label} would make ${show(page)}, which is the site's own ${page === index ? "index" : "manifest"}: rename the notebook` });
      }
    }
  }
  for (const job of jobs) {
    const files = join(job.docsDir, `${job.name}_files`);
    for (const [page, other] of owner) {
      if (other.path !== job.path && isInside(page, files)) {
        problems.push({ code: "ERR_PAGE_COLLISION", message: `${other.label} makes ${show(page)}, inside the folder of ${job.label}'s extracted files: rename one of them` });
      }
    }
  }
  return [...new Map(problems.map((p) => [p.message, p])).values()];
}

/**
 * What can be known to be wrong before any notebook runs: an --out-dir over notebooks/, pages
 * that collide, links where the build would read or write. All of it refused with exit 2.
 */
export async function preflight(project: Project, jobs: readonly NotebookJob[], options: { listed: readonly string[]; execute: boolean; target?: Pick<Target, "output" | "site"> }): Promise<void> {
  const problems: Problem[] = [];
  const show = (p: string): string => relative(project.root, p) || ".";
  if (isInside(project.docsDir, project.notebooksDir) || isInside(project.notebooksDir, project.docsDir)) {
    problems.push({ code: "ERR_USAGE", message: `--out-dir ${project.docsDir} overlaps ${show(project.notebooksDir)}/: the pages must go to a folder of their own` });
  }
  problems.push(...(await linkedNotebooks(project)));
  const all = new Map(jobs.map((j) => [j.path, j]));
  for (const path of options.listed) if (!all.has(path)) all.set(path, jobFor(path, project));
  problems.push(...pageCollisions(project, [...all.values()]));

  const site = options.target === undefined || options.target.site;
  const output = options.target?.output ?? docsOutput(project);
  const bounds = new Bounds(output.roots, (p) => relative(project.root, p) || p, output.only);
  const targets = site ? [join(project.docsDir, "index.html"), output.manifest] : [output.manifest];
  for (const job of jobs) {
    targets.push(join(job.docsDir, `${job.name}.md`), extractDirOf(job));
    if (site) targets.push(join(job.docsDir, `${job.name}.html`));
    if (site && options.execute) targets.push(job.path);
    if (!site && typeof job.notebookOut === "string") targets.push(job.notebookOut);
  }
  for (const target of new Set(targets)) {
    try {
      await bounds.check(nodeFileSystem, target);
    } catch (e) {
      if (!(e instanceof UnsafePathError)) throw e;
      // Includes an executed notebook outside the project: it could not be written back.
      problems.push({ code: e.code, message: e.message });
    }
  }
  for (const job of jobs) {
    const isLink = await lstat(job.path).then((s) => s.isSymbolicLink(), () => false);
    if (isLink && !options.execute) problems.push({ code: "ERR_UNSAFE_PATH", message: `${job.label} is a symbolic link; the build does not follow links to notebooks` });
  }
  if (problems.length > 0) throw new PreflightError([...new Map(problems.map((p) => [p.message, p])).values()]);
}
