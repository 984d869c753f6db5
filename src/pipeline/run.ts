import { isAbsolute, join, relative } from "node:path";
import pLimit from "p-limit";
import { sha256, toolFingerprint } from "../cache/fingerprint.js";
import { loadState, saveState, type BuildState } from "../cache/state.js";
import { asDocsError } from "../errors.js";
import { NotebookError, ExecutionAborted } from "../execute/errors.js";
import type { Transport } from "../kernel/connection.js";
import type { Project } from "../project.js";
import type { PageSummary } from "../render/html.js";
import type { KeyRing } from "../tokens/keyring.js";
import { readIfExists, writeIfChanged } from "../write/atomic.js";
import { staleFiles, writeProduct } from "./apply.js";
import { buildNotebook, type NotebookProduct } from "./build-notebook.js";
import { defaultNotebooks, jobFor, type NotebookJob } from "./jobs.js";

export interface RunOptions {
  project: Project;
  jobs: NotebookJob[];
  execute: boolean;
  force: boolean;
  check: boolean;
  timeoutMs: number;
  maxTextLength: number;
  parallel: number;
  transport?: Transport;
  /** Token verification and the private-key guard (off with --no-checks). */
  checks: boolean;
  signal: AbortSignal;
  reporter: Reporter;
}

export type Outcome =
  | { job: NotebookJob; ok: true; product: NotebookProduct; seconds: number; changed: string[] }
  | { job: NotebookJob; ok: false; error: NotebookError; seconds: number };

export interface Reporter {
  started(job: NotebookJob): void;
  cell(job: NotebookJob, cell: number, cells: number): void;
  finished(outcome: Outcome): void;
}

export interface RunResult {
  outcomes: Outcome[];
  /** Diffs of files `--check` found stale (empty when writing). */
  stale: string[];
  exitCode: 0 | 1 | 2 | 130 | 143;
}

/**
 * Builds the notebooks, several at once, then the index. Pages are written (or, with
 * `check`, compared) notebook by notebook as each succeeds; a failing notebook leaves its
 * committed page and notebook as they were.
 */
export async function runBuild(options: RunOptions): Promise<RunResult> {
  const { project } = options;
  const state = await loadState(project.cacheFile);
  state.tool = await toolFingerprint(state.tool);
  const tool = state.tool.hash;
  // Once, before any notebook: a bad keys/ fails the build once, naming the file.
  const ring = await loadRing(project.keysDir, options.checks);
  const limit = pLimit(Math.max(1, options.parallel));
  const stale: string[] = [];

  const outcomes = await Promise.all(options.jobs.map((job) => limit(async (): Promise<Outcome> => {
    const t0 = performance.now();
    const seconds = (): number => (performance.now() - t0) / 1000;
    if (options.signal.aborted) {
      const outcome: Outcome = { job, ok: false, error: new ExecutionAborted(job.label, "build stopped before the notebook started"), seconds: 0 };
      options.reporter.finished(outcome);
      return outcome;
    }
    options.reporter.started(job);
    let outcome: Outcome;
    try {
      const product = await buildNotebook(job, {
        execute: options.execute,
        force: options.force,
        timeoutMs: options.timeoutMs,
        maxTextLength: options.maxTextLength,
        keysDir: project.keysDir,
        tool,
        signal: options.signal,
        ring,
        checks: options.checks,
        projectRoot: project.root,
        ...(options.transport ? { transport: options.transport } : {}),
      }, state.notebooks[job.label], (cell, cells) => options.reporter.cell(job, cell, cells));
      let changed: string[];
      if (options.check) {
        const diffs = await staleFiles(product, project.root);
        stale.push(...diffs);
        changed = diffs;
      } else {
        changed = await writeProduct(product);
        // The cache describes the project's own notebooks; one outside it leaves no trace here.
        if (insideProject(job.path, project)) state.notebooks[job.label] = product.record;
      }
      outcome = { job, ok: true, product, seconds: seconds(), changed };
    } catch (e) {
      // A bug of the build shows its stack only under --verbose (in the details).
      const error = NotebookError.of(job.label, asDocsError(e));
      outcome = { job, ok: false, error, seconds: seconds() };
    }
    options.reporter.finished(outcome);
    return outcome;
  })));

  if (!options.signal.aborted) await buildIndex(options, state, outcomes, stale);
  // A build of notebooks from elsewhere (into another --out-dir) creates no cache in the project.
  const touchesProject = options.jobs.some((job) => insideProject(job.path, project));
  if (!options.check && !options.signal.aborted && touchesProject) await saveState(project.cacheFile, state);

  return { outcomes, stale, exitCode: exitCodeOf(outcomes, stale, options.signal) };
}

/** docs/index.html lists every page that exists, built in this run or before. */
async function buildIndex(options: RunOptions, state: BuildState, outcomes: Outcome[], stale: string[]): Promise<void> {
  const { project } = options;
  const summaries = new Map<string, PageSummary>();
  // Notebooks from outside the project get an index of their own, not one of the project's pages.
  const ownPages = options.jobs.some((job) => insideProject(job.path, project)) ? (await defaultNotebooks(project)).map((p) => relative(project.root, p)) : [];
  const labels = new Set([...ownPages, ...options.jobs.map((j) => j.label)]);
  const fromRun = new Map(outcomes.filter((o) => o.ok).map((o) => [o.job.label, o.ok ? o.product : undefined]));
  for (const label of [...labels].sort()) {
    const product = fromRun.get(label);
    const summary = product?.summary ?? state.notebooks[label]?.summary;
    if (!summary) continue;
    // Link relative to docs/, where the index lives.
    const { docsDir } = jobFor(join(project.root, label), project);
    summaries.set(label, { ...summary, file: relative(project.docsDir, join(docsDir, summary.file)) });
  }
  const indexPath = join(project.docsDir, "index.html");
  const allUnchanged = outcomes.every((o) => o.ok && o.product.status === "unchanged");
  const current = await readIfExists(indexPath);
  if (allUnchanged && current && state.index === sha256(current)) return;
  const { renderIndex } = await import("../render/html.js");
  const html = Buffer.from(renderIndex([...summaries.values()]), "utf8");
  if (options.check) {
    if (!current?.equals(html)) {
      const { shortDiff } = await import("../check/diff.js");
      stale.push(shortDiff(relative(project.root, indexPath), current, html));
    }
    return;
  }
  await writeIfChanged(indexPath, html);
  state.index = sha256(html);
}

function exitCodeOf(outcomes: Outcome[], stale: string[], signal: AbortSignal): RunResult["exitCode"] {
  if (signal.aborted) return signal.reason === "SIGTERM" ? 143 : 130;
  const failures = outcomes.filter((o) => !o.ok);
  if (failures.some((o) => !o.ok && o.error.exitStatus === 2)) return 2;
  if (failures.length > 0 || stale.length > 0) return 1;
  return 0;
}

function insideProject(path: string, project: Project): boolean {
  const rel = relative(project.root, path);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * The key ring for every notebook of the build. Under --no-checks nothing verifies against
 * it, so a missing or unreadable keys/ gives an empty ring instead of an error.
 */
async function loadRing(keysDir: string, checks: boolean): Promise<KeyRing> {
  const { loadKeyRing, keyRingFromSets } = await import("../tokens/keyring.js");
  try {
    return await loadKeyRing(keysDir);
  } catch (e) {
    if (!checks) return keyRingFromSets([]);
    throw e;
  }
}
