import { dirname, join } from "node:path";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { inputsFingerprint, outputsFingerprint, sha256 } from "../cache/fingerprint.js";
import type { NotebookRecord } from "../cache/state.js";
import { NotebookError, NotebookUsageError } from "../execute/errors.js";
import type { Transport } from "../kernel/connection.js";
import type { PageSummary } from "../render/html.js";
import type { KeyRing } from "../tokens/keyring.js";
import { BoundedReadError, readBounded } from "../io/read-bounded.js";
import { readIfExists } from "../write/atomic.js";
import type { NotebookJob } from "./jobs.js";

export interface BuildSettings {
  execute: boolean;
  force: boolean;
  timeoutMs: number;
  maxTextLength: number;
  transport?: Transport;
  keysDir: string;
  tool: string;
  signal: AbortSignal;
  ring: () => Promise<KeyRing>;
}

/** What building one notebook produced, before anything is written. */
export interface NotebookProduct {
  job: NotebookJob;
  status: "unchanged" | "rendered" | "executed";
  cells: number;
  /** The executed notebook in nbformat's layout; absent when the notebook file stays as it is. */
  notebookText?: string;
  /** Every file of the page: absolute path → content. */
  files: Map<string, Buffer>;
  /** The folder of extracted outputs, which holds only what `files` lists after a build. */
  extractDir: string;
  summary: PageSummary;
  record: NotebookRecord;
}

/** A notebook past this size is refused rather than read (outputs are capped far below it). */
const MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024;

/** A notebook as plain JSON, or undefined when it is not one (the careful reader then says why). */
function quickParse(raw: Buffer): INotebookContent | undefined {
  try {
    const nb = JSON.parse(raw.toString("utf8")) as INotebookContent;
    return Array.isArray(nb?.cells) && typeof nb.metadata === "object" && nb.metadata !== null ? nb : undefined;
  } catch {
    return undefined;
  }
}

/** The notebook through the careful reader; its errors become usage errors (exit 2). */
async function readCarefully(raw: Buffer, job: NotebookJob): Promise<INotebookContent> {
  const { parseNotebook, NotebookReadError } = await import("../notebook/read.js");
  try {
    return parseNotebook(raw.toString("utf8"), job.label);
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
  const known = record?.notebook === notebookHash ? quickParse(raw) : undefined;
  const parsed = known ?? (await readCarefully(raw, job));

  const inputs = await inputsFingerprint(parsed, job.path, settings.keysDir);
  const storedOutputs = outputsFingerprint(parsed);
  const upToDate =
    !settings.force &&
    known !== undefined &&
    record !== undefined &&
    record.tool === settings.tool &&
    // The same destination: with --out-dir the page goes elsewhere.
    record.files[join(job.docsDir, `${job.name}.md`)] !== undefined &&
    (!settings.execute || record.inputs === inputs);
  if (upToDate && (await recordedFilesIntact(record))) {
    return { job, status: "unchanged", cells: record.cells, files: new Map(), extractDir: join(job.docsDir, `${job.name}_files`), summary: record.summary, record };
  }

  // Rewriting the notebook needs what the careful reader keeps (how numbers were spelled).
  const stored = known ? await readCarefully(raw, job) : parsed;
  const mustExecute = settings.execute && (settings.force || record === undefined || record.inputs !== inputs || record.outputs !== storedOutputs);
  let notebook = stored;
  let notebookText: string | undefined;
  const ring = await settings.ring();
  if (mustExecute) {
    const { executeNotebook } = await import("../execute/execute-notebook.js");
    const executed = await executeNotebook(stored, {
      label: job.label,
      cwd: dirname(job.path),
      timeoutMs: settings.timeoutMs,
      maxTextLength: settings.maxTextLength,
      signal: settings.signal,
      onCell,
      ...(settings.transport ? { transport: settings.transport } : {}),
    });
    notebook = await stabilize(executed.notebook, stored, job, ring);
    const { serializeNotebook } = await import("../notebook/serialize.js");
    notebookText = serializeNotebook(notebook);
  }

  await (await import("../guard/enforce.js")).enforceChecks([(await import("../guard/known-secrets-check.js")).knownSecretsCheck], notebook, { label: job.label, notebookPath: job.path, notebookDir: dirname(job.path), projectRoot: dirname(settings.keysDir), name: job.name, stored, ring });
  await checkOutputs(notebook, job, ring);

  const { renderMarkdown } = await import("../render/markdown.js");
  const { renderPage } = await import("../render/html.js");
  const markdown = renderMarkdown(notebook, job.name);
  const page = await renderPage(job.name, markdown.markdown, ring);
  const files = new Map<string, Buffer>();
  files.set(join(job.docsDir, `${job.name}.md`), Buffer.from(markdown.markdown, "utf8"));
  for (const [rel, content] of markdown.files) files.set(join(job.docsDir, rel), content);
  files.set(join(job.docsDir, `${job.name}.html`), Buffer.from(page.html, "utf8"));

  const writtenNotebook = notebookText === undefined ? raw : Buffer.from(notebookText, "utf8");
  return {
    job,
    status: mustExecute ? "executed" : "rendered",
    cells: notebook.cells.length,
    ...(notebookText === undefined ? {} : { notebookText }),
    files,
    extractDir: join(job.docsDir, `${job.name}_files`),
    summary: page.summary,
    record: {
      inputs,
      outputs: outputsFingerprint(notebook),
      notebook: sha256(writtenNotebook),
      tool: settings.tool,
      files: Object.fromEntries([...files].map(([path, content]) => [path, sha256(content)])),
      summary: page.summary,
      cells: notebook.cells.length,
    },
  };
}

/** Same page from the same inputs: streams as nbconvert merges them, no machine paths, kept signatures. */
async function stabilize(executed: INotebookContent, stored: INotebookContent, job: NotebookJob, ring: KeyRing): Promise<INotebookContent> {
  const { coalesceStreams } = await import("../stabilize/coalesce-streams.js");
  const { relativizeOutputs } = await import("../stabilize/paths.js");
  const { keepStoredSignatures } = await import("../stabilize/signatures.js");
  const coalesced = coalesceStreams(executed);
  const relative = relativizeOutputs(coalesced, dirname(job.path));
  return keepStoredSignatures(relative, stored, ring);
}

/** The docs must never show a token that does not verify, nor a private key. */
async function checkOutputs(nb: INotebookContent, job: NotebookJob, ring: KeyRing): Promise<void> {
  const { checkNotebookTokens } = await import("../tokens/check-notebook.js");
  const { findPrivateKeyMaterial } = await import("../guard/private-keys.js");
  const leak = findPrivateKeyMaterial(nb)[0];
  if (leak) {
    throw new NotebookError(job.label, `private key material in the cell's ${leak.where} (${leak.what}); the docs are public. Print only public keys, or set metadata "docs": {"allow_private_keys": true}`, "", leak.cell);
  }
  const bad = (await checkNotebookTokens(nb, ring))[0];
  if (bad) {
    throw new NotebookError(job.label, `token ${bad.tokenStart}… does not verify against keys/: ${bad.reason} (tag the cell "unverified-token" if it shows a bad token on purpose)`, "", bad.cell);
  }
}
