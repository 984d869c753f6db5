import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { inputsFingerprint, outputsFingerprint, pageSourceFingerprint, sha256, type InputReads } from "../cache/fingerprint.js";
import type { NotebookRecord } from "../cache/state.js";
import { asDocsError, DocsError } from "../errors.js";
import { ChecksFailedError, NotebookError, NotebookUsageError } from "../execute/errors.js";
import type { Transport } from "../kernel/connection.js";
import type { KernelProfile } from "../kernel/profile.js";
import type { KernelSandbox } from "../kernel/sandbox/sandbox.js";
import { kernelNameOf } from "../notebook/kernel-name.js";
import { MAX_NOTEBOOK_BYTES } from "../notebook/stored.js";
import { decodeUtf8 } from "../notebook/utf8.js";
import type { PageSummary } from "../render/html.js";
import type { Finding, RenderedPage, StageContext } from "../stages/types.js";
import type { KeyRing } from "../tokens/keyring.js";
import { BoundedReadError, describeBytes, readBounded } from "../io/read-bounded.js";
import { readIfExists } from "../write/atomic.js";
import type { Target } from "../targets/types.js";
import { extractDirOf, pageFilePath, type NotebookJob } from "./jobs.js";
import { parametersKey } from "./variants.js";

export interface BuildSettings {
  execute: boolean;
  force: boolean;
  timeoutMs: number;
  maxTextLength: number;
  transport?: Transport;
  keysDir: string;
  tool: string;
  signal: AbortSignal;
  /** Loaded once before any notebook (an empty ring under --no-checks when keys/ is unusable). */
  ring: KeyRing;
  /** Whether the output checks run (--no-checks turns them off). */
  checks: boolean;
  projectRoot: string;
  /** Awaited before the notebook executes: no notebook code runs before it has resolved. */
  beforeExecute?: () => Promise<void>;
  /** Where the pages go and in which formats (default: docs/). */
  target?: Pick<Target, "renderers" | "publishesNotebook">;
  /** The sandbox every kernel runs in (where it starts); absent with --no-sandbox. */
  sandbox?: KernelSandbox;
}

/** What building one notebook produced, before anything is written. */
export interface NotebookProduct {
  job: NotebookJob;
  status: "unchanged" | "rendered" | "executed";
  /** sha256 of the notebook file as read: the writer refuses to write if it changed since. */
  sourceHash: string;
  cells: number;
  /** The executed notebook in nbformat's layout; absent when the notebook file stays as it is. */
  notebookText?: string;
  /** Every file of the page: absolute path → content. */
  files: Map<string, Buffer>;
  /** The folder of extracted outputs, which holds only what `files` lists after a build. */
  extractDir: string;
  summary: PageSummary;
  record: NotebookRecord;
  /**
   * For a page found unchanged: every file and folder that verdict was read from, when a stat of
   * them vouches for it (the no-op build's stamp, cache/noop-stamp.ts).
   */
  reads?: InputReads;
}

/** A notebook past this size is refused rather than read (outputs are capped far below it). */
/**
 * Never write what the next run could not read: an executed notebook over the read bound fails
 * its notebook (exit 1), nothing of it written.
 */
export function refuseUnreadable(label: string, notebookText: string, limit = MAX_NOTEBOOK_BYTES): void {
  const bytes = Buffer.byteLength(notebookText, "utf8");
  if (bytes > limit) {
    throw NotebookError.of(label, new DocsError("ERR_OUTPUT_LIMIT", `the executed notebook would be ${describeBytes(bytes)}, over the ${describeBytes(limit)} a build reads; nothing was written for it (print less, or lower --max-output)`));
  }
}

export { MAX_NOTEBOOK_BYTES };

/** A notebook as plain JSON, or undefined when it is not one (the careful reader then says why). */
function quickParse(raw: Buffer): INotebookContent | undefined {
  try {
    const nb = JSON.parse(raw.toString("utf8")) as INotebookContent;
    // nbformat 2 and 3 are read by the careful reader, which upgrades them.
    return nb?.nbformat === 4 && Array.isArray(nb.cells) && typeof nb.metadata === "object" && nb.metadata !== null ? nb : undefined;
  } catch {
    return undefined;
  }
}

/** The notebook through the careful reader; its errors become usage errors (exit 2). */
async function readCarefully(raw: Buffer, job: NotebookJob): Promise<INotebookContent> {
  const { parseNotebook, NotebookReadError } = await import("../notebook/read.js");
  try {
    const text = decodeUtf8(raw, (at) => new NotebookUsageError(job.label, `not valid UTF-8 at byte offset ${at} (0x${raw[at]!.toString(16).padStart(2, "0")}); notebooks must be UTF-8, as nbformat requires`));
    return parseNotebook(text, job.label);
  } catch (e) {
    if (e instanceof NotebookReadError) {
      const error = new NotebookUsageError(job.label, e.message);
      // The reader's message already names the notebook, and line:column for bad JSON.
      error.message = e.message;
      throw error;
    }
    throw e;
  }
}

/** The kernel the notebook names; a missing or unknown one is a usage error (exit 2). */
async function kernelFor(nb: INotebookContent, job: NotebookJob): Promise<KernelProfile> {
  const name = kernelNameOf(nb);
  if (!name) throw new NotebookUsageError(job.label, "no kernelspec in the notebook's metadata");
  const { resolveKernel } = await import("../kernel/kernelspec.js");
  return resolveKernel(name).catch((e: unknown) => {
    throw NotebookError.of(job.label, asDocsError(e));
  });
}

/** Files of a page as the last build recorded them, when all are still on disk unchanged. */
async function recordedFilesIntact(record: NotebookRecord): Promise<boolean> {
  for (const [path, hash] of Object.entries(record.files)) {
    const content = await readIfExists(path);
    if (!content || sha256(content) !== hash) return false;
  }
  return true;
}

/**
 * read → (execute → stabilize) → check → render, for one notebook, in memory. Execution is
 * skipped when the notebook's inputs are those of its last build and its stored outputs are
 * the ones that build wrote; rendering is skipped too when nothing at all changed.
 */
export async function buildNotebook(
  job: NotebookJob,
  settings: BuildSettings,
  record: NotebookRecord | undefined,
  onCell: (cell: number, cells: number) => void,
): Promise<NotebookProduct> {
  const raw = await readBounded(job.path, MAX_NOTEBOOK_BYTES).catch((e: Error) => {
    throw new NotebookUsageError(job.label, `cannot read the notebook: ${e instanceof BoundedReadError ? e.reason : e.message}`);
  });
  const notebookHash = sha256(raw);
  // A notebook byte-identical to what the last build wrote is known to be valid, so the
  // no-op path reads it with the native parser; anything else goes through the careful reader
  // (exact numbers, messages with line and column), once.
  const known = record?.notebook === notebookHash ? (quickParse(raw) ?? (await readCarefully(raw, job))) : undefined;
  const parsed = known ?? (await readCarefully(raw, job));

  // The kernel matters only when executing: --no-execute renders any notebook, kernel installed or not.
  const profile = settings.execute ? await kernelFor(parsed, job) : undefined;
  const reads: InputReads = { files: new Set([job.path]), dirs: new Set([dirname(job.path)]) };
  const sourceInputs = await inputsFingerprint(parsed, job.path, settings.keysDir, profile ? await profile.fingerprint() : {}, reads);
  // Parameters are part of the cache key, without paying for the injection on a no-op build.
  // A variant's record cannot know the notebook's bytes (its default page's build may rewrite the
  // outputs), so its key holds the rest of the notebook: prose, tags and title are on its page too.
  const inputs = job.params === undefined ? sourceInputs : sha256(`${sourceInputs}\0${parametersKey(job)}\0${pageSourceFingerprint(parsed)}`);
  const storedOutputs = outputsFingerprint(parsed);
  const upToDate =
    !settings.force &&
    // A variant's record need not know the notebook's bytes: its default page's build may rewrite them.
    (known !== undefined || (job.notebookOut !== undefined && record?.inputs === inputs)) &&
    record !== undefined &&
    record.tool === settings.tool &&
    // The same destination: with --out-dir the page goes elsewhere.
    record.dir === job.docsDir &&
    (!settings.execute || record.inputs === inputs);
  if (upToDate && (await recordedFilesIntact(record))) {
    const extractDir = extractDirOf(job);
    const sources = profile ? profile.fingerprintSources?.() : { files: [], dirs: [] };
    if (sources) {
      for (const file of [...sources.files, ...Object.keys(record.files)]) reads.files.add(file);
      for (const dir of [...sources.dirs, job.docsDir, extractDir]) reads.dirs.add(dir);
    }
    return { job, status: "unchanged", sourceHash: notebookHash, cells: record.cells, files: new Map(), extractDir, summary: record.summary, record, ...(sources ? { reads } : {}) };
  }

  if (job.variant !== undefined && !settings.execute) {
    const { renderCommittedVariant } = await import("./variant-pages.js");
    return renderCommittedVariant(job, settings, settings.ring);
  }

  // Rewriting the notebook needs what the careful reader keeps (how numbers were spelled).
  const source = known ? await readCarefully(raw, job) : parsed;
  const stored = job.params === undefined ? source : await withParameters(source, job);
  // A job whose notebook is not written back has no stored outputs to render again: it runs
  // whenever its pages are not known to be up to date.
  const mustExecute =
    settings.execute && (job.notebookOut !== undefined || settings.force || record === undefined || record.inputs !== inputs || record.outputs !== storedOutputs);
  const { STABILIZERS, PAGE_PREPROCESSORS, CHECKS, RENDERERS } = await import("../stages/index.js");
  const ctx: StageContext = {
    label: job.label,
    notebookPath: job.path,
    notebookDir: dirname(job.path),
    projectRoot: settings.projectRoot,
    name: job.name,
    stored,
    ring: settings.ring,
    keysLabel: `${relative(process.cwd(), settings.keysDir) || "."}/`,
    ...(profile ? { kernel: profile } : {}),
  };
  let notebook = stored;
  let notebookText: string | undefined;
  if (mustExecute) {
    await settings.beforeExecute?.();
    const { executeNotebook } = await import("../execute/execute-notebook.js");
    const executed = await executeNotebook(stored, {
      label: job.label,
      cwd: dirname(job.path),
      timeoutMs: settings.timeoutMs,
      maxTextLength: settings.maxTextLength,
      signal: settings.signal,
      onCell,
      ...(profile ? { profile } : {}),
      ...(settings.transport ? { transport: settings.transport } : {}),
      ...(settings.sandbox ? { sandbox: settings.sandbox.withReadOnly(parameterPaths(job, settings.projectRoot)) } : {}),
    });
    notebook = executed.notebook;
    for (const stabilizer of STABILIZERS) notebook = await stabilizer.apply(notebook, ctx);
    if (job.notebookOut !== undefined) {
      // No stored notebook to keep signatures from: the committed page has them.
      const { keepPageSignatures } = await import("../stabilize/page-signatures.js");
      const committed = await readIfExists(job.committedPage ?? join(job.docsDir, `${job.name}.md`));
      notebook = await keepPageSignatures(notebook, committed?.toString("utf8"), settings.ring);
    }
    const { serializeNotebook } = await import("../notebook/serialize.js");
    notebookText = serializeNotebook(notebook);
    refuseUnreadable(job.label, notebookText);
  }

  // What the page shows: tagged cells removed, hidden sources gone (nbconvert's preprocessors).
  const { wholeNotebook } = await import("../render/tag-remove.js");
  let view = wholeNotebook(notebook);
  for (const preprocessor of PAGE_PREPROCESSORS) view = preprocessor.apply(view, ctx);

  // The docs must never show a token that does not verify, nor a private key: every check
  // runs, and every finding is reported. They see what is published: the page, or the whole
  // notebook where it is published beside the page.
  if (settings.checks) {
    const seen = settings.target?.publishesNotebook ? wholeNotebook(notebook) : view;
    const findings: Finding[] = [];
    for (const check of CHECKS) findings.push(...(await check.check(seen.notebook, ctx)));
    // Cells named as Jupyter numbers them, whatever the page left out.
    const located = findings.map((f) => (f.cell === undefined ? f : { ...f, cell: seen.origin[f.cell - 1]! + 1 }));
    if (located.length > 0) throw new ChecksFailedError(job.label, located);
  }

  const page: RenderedPage = { files: new Map() };
  const renderers = settings.target ? await settings.target.renderers() : RENDERERS;
  try {
    for (const renderer of renderers) await renderer.render(view.notebook, ctx, page);
  } catch (e) {
    // A notebook the renderers cannot handle is refused (exit 2), not a crash of the build.
    const { ExtractError } = await import("../render/extract.js");
    if (e instanceof ExtractError) throw NotebookError.of(job.label, e.renumbered(view.origin));
    if (e instanceof DocsError) throw NotebookError.of(job.label, e);
    const error = e instanceof Error ? e : new Error(String(e));
    throw new NotebookUsageError(job.label, `cannot be rendered: ${error.message}`, error.stack ?? "");
  }
  const files = new Map([...page.files].map(([rel, content]) => [pageFilePath(job, rel), content]));
  const summary = page.summary ?? { name: job.name, title: job.name, summary: "", file: `${job.name}.html` };
  // With parameters the executed notebook goes beside its pages, or nowhere for a variant; a
  // target that publishes the notebook takes the stored one when it was not executed.
  if (typeof job.notebookOut === "string" && notebookText !== undefined) files.set(job.notebookOut, Buffer.from(notebookText, "utf8"));
  else if (typeof job.notebookOut === "string" && settings.target?.publishesNotebook) files.set(job.notebookOut, raw);
  const writeBack = job.notebookOut === undefined ? notebookText : undefined;

  const writtenNotebook = writeBack === undefined ? raw : Buffer.from(writeBack, "utf8");
  return {
    job,
    status: mustExecute ? "executed" : "rendered",
    sourceHash: notebookHash,
    cells: notebook.cells.length,
    ...(writeBack === undefined ? {} : { notebookText: writeBack }),
    files,
    extractDir: extractDirOf(job),
    summary,
    record: {
      inputs,
      // Of the notebook as written and read back as the next build reads it: in memory, a
      // stream's text is one string, on disk a list of lines, and the two must not differ here.
      outputs: outputsFingerprint(writtenNotebook === raw ? (quickParse(raw) ?? parsed) : (JSON.parse(writtenNotebook.toString("utf8")) as INotebookContent)),
      notebook: sha256(writtenNotebook),
      tool: settings.tool,
      dir: job.docsDir,
      files: Object.fromEntries([...files].map(([path, content]) => [path, sha256(content)])),
      summary,
      cells: notebook.cells.length,
    },
  };
}

/** The notebook with the job's parameters injected; a parameter problem is a usage error (exit 2) naming the notebook. */
async function withParameters(nb: INotebookContent, job: NotebookJob): Promise<INotebookContent> {
  const { injectParameters, ParameterError } = await import("../params/inject.js");
  try {
    return injectParameters(nb, job.params ?? new Map(), { allowUndeclared: job.allowUndeclared === true }).notebook;
  } catch (e) {
    if (e instanceof ParameterError) throw new NotebookUsageError(job.label, e.message, "", e.cell);
    throw e;
  }
}

/**
 * Files and folders outside the project that the notebook's parameters name (`-p keysDir=/ci/keys`):
 * a string value that is an existing path, absolute or relative to the notebook's folder. A
 * sandboxed kernel may read them.
 */
function parameterPaths(job: NotebookJob, projectRoot: string): string[] {
  if (!job.params) return [];
  const out: string[] = [];
  for (const given of job.params.values()) {
    const value = given.kind === "json" ? given.value : given.text;
    if (typeof value !== "string" || value === "" || value.includes("\0")) continue;
    const path = resolve(dirname(job.path), value);
    const rel = relative(projectRoot, path);
    if ((rel.startsWith("..") || isAbsolute(rel)) && existsSync(path)) out.push(path);
  }
  return out;
}
