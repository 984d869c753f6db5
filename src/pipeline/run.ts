import { basename, isAbsolute, join, relative } from "node:path";
import pLimit from "p-limit";
import { committedKeyFiles } from "../guard/committed-keys.js";
import { sha256, toolFingerprint } from "../cache/fingerprint.js";
import { keysStamp } from "../cache/keys-stamp.js";
import { loadState, serializeState, type BuildState } from "../cache/state.js";
import { asDocsError, DocsError } from "../errors.js";
import { NotebookError, ExecutionAborted } from "../execute/errors.js";
import type { Transport } from "../kernel/connection.js";
import type { KernelSandbox } from "../kernel/sandbox/sandbox.js";
import type { Project } from "../project.js";
import type { PageSummary } from "../render/html.js";
import type { KeyRing } from "../tokens/keyring.js";
import { readIfExists } from "../write/atomic.js";
import { DocsWriter, journalPathOf } from "../write/writer.js";
import { orphanPages, staleFiles, staleManifest, writeProduct } from "./apply.js";
import { buildNotebook, type NotebookProduct } from "./build-notebook.js";
import { defaultNotebooks, jobFor, type NotebookJob } from "./jobs.js";
import { withVariants } from "./variants.js";
import { docsTarget } from "../targets/docs.js";
import type { Target } from "../targets/types.js";

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
  /** One-line notices that are not failures (an ignored cache, a write finished for a stopped build). */
  warn?: (line: string) => void;
  /** Awaited before any notebook executes, once a run (what must be known before code runs). */
  beforeExecute?: () => Promise<void>;
  /** Where the pages go (default: docs/, or the --out-dir in `project.docsDir`). */
  target?: Target;
  /** The sandbox every kernel runs in, where it starts (absent with --no-sandbox). */
  sandbox?: KernelSandbox;
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
  /** Pages of notebooks that no longer exist, which this build deleted (through the manifest). */
  removed: string[];
  exitCode: 0 | 1 | 2 | 130 | 143;
}

/**
 * Builds the notebooks, several at once, then the index. Pages are written (or, with
 * `check`, compared) notebook by notebook as each succeeds; a failing notebook leaves its
 * committed page and notebook as they were.
 */
export async function runBuild(options: RunOptions): Promise<RunResult> {
  const { project } = options;
  const target = options.target ?? docsTarget(project);
  const warn = options.warn ?? (() => undefined);
  const state = await loadState(project.cacheFile, warn);
  // Once, before any notebook: a bad keys/ fails the build once, naming the file.
  const ring = await loadRing(project.keysDir, options.checks, warn);
  // Records vouch for pages verified against the keys of their build: new keys, or keys trusted
  // otherwise (committed since, or no longer), void them all.
  const untrusted = ring.untrustedFiles.length > 0 ? ` untrusted:${JSON.stringify(ring.untrustedFiles)}` : "";
  const keys = (await keysStamp(project.keysDir)) + untrusted;
  if (state.keys !== keys) state.notebooks = {};
  state.keys = keys;
  state.tool = await toolFingerprint(state.tool);
  const writer = options.check ? undefined : await DocsWriter.open(project, warn, undefined, target.output);
  if (options.check && (await readIfExists(journalPathOf(project, target.output.base))) !== undefined) {
    warn("a previous build was stopped while writing; the next `npm run docs` finishes or undoes its files");
  }
  const tool = state.tool.hash;
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
        target,
        ...(options.beforeExecute ? { beforeExecute: options.beforeExecute } : {}),
        ...(options.transport ? { transport: options.transport } : {}),
        ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      }, target.site ? state.notebooks[job.stateKey ?? job.label] : undefined, (cell, cells) => options.reporter.cell(job, cell, cells));
      let changed: string[];
      if (options.check) {
        const diffs = await staleFiles(product, project.root);
        stale.push(...diffs);
        changed = diffs;
      } else {
        changed = await writeProduct(product, writer!);
        // The cache describes the project's own notebooks and site; one outside it, or pages
        // written elsewhere (an IG), leave no trace here.
        if (target.site && insideProject(job.path, project)) state.notebooks[job.stateKey ?? job.label] = product.record;
      }
      outcome = { job, ok: true, product, seconds: seconds(), changed };
    } catch (e) {
      // A bug of the build shows its stack only under --verbose (in the details).
      const error = asNotebookError(job.label, e);
      outcome = { job, ok: false, error, seconds: seconds() };
    }
    options.reporter.finished(outcome);
    return outcome;
  })));

  const removed: string[] = [];
  if (!options.signal.aborted) {
    if (writer) removed.push(...(await writer.removeOrphans()));
    else {
      stale.push(...(await orphanPages(project, target.output)));
      stale.push(...(await staleManifest(project, target.output, outcomes.flatMap((o) => (o.ok ? [o.product] : [])))));
    }
    if (target.site) await buildIndex(options, state, outcomes, stale, writer);
  }
  // A build of notebooks from elsewhere (into another --out-dir) creates no cache in the project.
  const touchesProject = target.site && options.jobs.some((job) => insideProject(job.path, project));
  if (writer && !options.signal.aborted && touchesProject) await writer.writeFile(project.cacheFile, serializeState(state));

  return { outcomes, stale, removed, exitCode: exitCodeOf(outcomes, stale, options.signal) };
}

/**
 * docs/index.html lists every page that exists, built in this run or before, variants with
 * their notebook's page. A run with parameters from the command line lists only its own pages,
 * and notebooks from outside the project get an index of their own.
 */
async function buildIndex(options: RunOptions, state: BuildState, outcomes: Outcome[], stale: string[], writer: DocsWriter | undefined): Promise<void> {
  const { project } = options;
  const summaries = new Map<string, PageSummary>();
  const keyOf = (job: NotebookJob): string => job.stateKey ?? job.label;
  const parameterized = options.jobs.some((j) => j.params !== undefined && j.variant === undefined);
  const ownPages = !parameterized && options.jobs.some((job) => insideProject(job.path, project));
  const defaults = ownPages ? await withVariants((await defaultNotebooks(project)).map((p) => jobFor(p, project)), project) : [];
  const pageJobs = new Map([...defaults, ...options.jobs].map((j) => [keyOf(j), j]));
  const fromRun = new Map(outcomes.filter((o) => o.ok).map((o) => [keyOf(o.job), o.ok ? o.product : undefined]));
  for (const key of [...pageJobs.keys()].sort()) {
    const job = pageJobs.get(key)!;
    // A page neither built now nor in the cache (a subset built on a fresh clone) keeps its entry
    // from the page on disk, so the index never shrinks to the notebooks named.
    const summary = fromRun.get(key)?.summary ?? state.notebooks[key]?.summary ?? (await summaryOnDisk(job));
    if (!summary) continue;
    // Link relative to docs/, where the index lives.
    const file = relative(project.docsDir, join(job.docsDir, summary.file));
    const variant = job.variant ? { variant: { of: relative(project.docsDir, join(job.docsDir, `${basename(job.path, ".ipynb")}.html`)), title: job.variant.title } } : {};
    summaries.set(key, { ...summary, file, ...variant });
  }
  const indexPath = join(project.docsDir, "index.html");
  const allUnchanged = outcomes.every((o) => o.ok && o.product.status === "unchanged");
  const current = await readIfExists(indexPath);
  if (allUnchanged && current && state.index === sha256(current)) return;
  const { renderIndex } = await import("../render/html.js");
  const { indexOrder } = await import("./index-order.js");
  const order = await indexOrder(project.root, [...summaries.entries()]);
  const html = Buffer.from(renderIndex([...summaries.values()], { order }), "utf8");
  if (options.check) {
    if (!current?.equals(html)) {
      const { shortDiff } = await import("../check/diff.js");
      stale.push(shortDiff(relative(project.root, indexPath), current, html));
    }
    return;
  }
  await writer!.writeFile(indexPath, html);
  state.index = sha256(html);
}

async function summaryOnDisk(job: NotebookJob): Promise<PageSummary | undefined> {
  const page = await readIfExists(join(job.docsDir, `${job.name}.md`));
  if (page === undefined) return undefined;
  const { summarizePage } = await import("../render/html.js");
  const { notebookTitle } = await import("./notebook-title.js");
  return summarizePage(job.name, page.toString("utf8"), { title: await notebookTitle(job.path) });
}

/** A writer's error as the notebook's failure; its message already names the notebook or the file. */
function asNotebookError(label: string, e: unknown): NotebookError {
  const error = asDocsError(e);
  if (error instanceof NotebookError) return error;
  // The writer's messages already name the notebook or the file: say the notebook once.
  const summary = error.message.startsWith(`${label}: `) ? error.message.slice(label.length + 2) : error.message;
  return NotebookError.of(label, new DocsError(error.code, summary, error.details));
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
 * it, so a missing or unreadable keys/ gives an empty ring instead of an error. In a git work
 * tree only key files committed as they are count (guard/committed-keys.ts); one line names each
 * other file.
 */
async function loadRing(keysDir: string, checks: boolean, warn: (line: string) => void): Promise<KeyRing> {
  const { loadKeyRing, keyRingFromSets } = await import("../tokens/keyring.js");
  try {
    const ring = await loadKeyRing(keysDir, checks ? await committedKeyFiles(keysDir) : undefined);
    for (const file of ring.untrustedFiles) {
      warn(`${relative(process.cwd(), file)} is not committed as it is: its keys verify no token until it is committed`);
    }
    return ring;
  } catch (e) {
    if (!checks) return keyRingFromSets([]);
    throw e;
  }
}
