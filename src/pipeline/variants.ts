import { readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { sha256 } from "../cache/fingerprint.js";
import { DocsError } from "../errors.js";
import { parametersFromObject, type GivenParameters } from "../params/values.js";
import { storedNotebook } from "../notebook/stored.js";
import type { Project } from "../project.js";
import type { NotebookJob } from "./jobs.js";

/** A variant's name becomes part of file names: docs/<name>.<variant>.md. */
const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

interface DocsMetadata {
  variants?: unknown;
  variant_titles?: unknown;
}

/**
 * The named parameter sets of `"docs": {"variants": {"spec-keys": {"keysDir": "../keys/spec"}}}`,
 * with the index's link text from `"docs": {"variant_titles": {"spec-keys": "…"}}`.
 */
export function readVariants(nb: Pick<INotebookContent, "metadata">, label: string): { name: string; title: string; params: GivenParameters }[] {
  const docs = nb.metadata.docs as DocsMetadata | undefined;
  if (docs?.variants === undefined) return [];
  const where = `${label}: metadata "docs"."variants"`;
  if (typeof docs.variants !== "object" || docs.variants === null || Array.isArray(docs.variants)) {
    throw new DocsError("ERR_NOTEBOOK_INVALID", `${where} must be an object of variant names and parameter sets`);
  }
  const titles = typeof docs.variant_titles === "object" && docs.variant_titles !== null ? (docs.variant_titles as Record<string, unknown>) : {};
  return Object.entries(docs.variants).map(([name, values]) => {
    if (!VARIANT_NAME.test(name)) throw new DocsError("ERR_NOTEBOOK_INVALID", `${where}: "${name}" is not a variant name (letters, digits, - and _)`);
    const title = typeof titles[name] === "string" ? titles[name] : `variant ${name}`;
    return { name, title, params: parametersFromObject(values, `${where}."${name}"`) };
  });
}

/**
 * One job per variant of the job's notebook: its page beside the default one, its notebook not
 * written. Its committed page is the one in the project's docs/, also when --out-dir writes elsewhere.
 */
export function variantJobs(job: NotebookJob, nb: Pick<INotebookContent, "metadata">, project: Project): NotebookJob[] {
  const committedDir = join(project.root, "docs", relative(project.docsDir, job.docsDir));
  return readVariants(nb, job.label).map(({ name, title, params }) => ({
    ...job,
    label: `${job.label} [${name}]`,
    name: `${job.name}.${name}`,
    params,
    variant: { name, title },
    notebookOut: null,
    committedPage: join(committedDir, `${job.name}.${name}.md`),
    stateKey: `${job.label}#${name}`,
  }));
}

/**
 * The jobs with each one's variants after it. A notebook that cannot be read here has no
 * variants: its own job reports why it cannot be read.
 */
export async function withVariants(jobs: readonly NotebookJob[], project: Project): Promise<NotebookJob[]> {
  const out: NotebookJob[] = [];
  for (const job of jobs) {
    out.push(job);
    if (job.params !== undefined) continue;
    const nb = storedNotebook(await readFile(job.path, "utf8").catch(() => ""));
    if (nb) out.push(...variantJobs(job, nb, project));
  }
  return out;
}

/** A notebook run with parameters from the command line: the executed notebook beside its pages, the source untouched. */
export function parameterizedJob(job: NotebookJob, params: GivenParameters, allowUndeclared: boolean): NotebookJob {
  const key = sha256(JSON.stringify([[...params], allowUndeclared]));
  return { ...job, params, allowUndeclared, notebookOut: join(job.docsDir, basename(job.path)), stateKey: `${job.label}?${key}` };
}

/** What the cache key adds for a job's parameters (empty without). */
export function parametersKey(job: NotebookJob): string {
  return job.params === undefined ? "" : JSON.stringify([[...job.params], job.allowUndeclared === true]);
}
