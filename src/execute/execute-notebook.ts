import type { ICell, ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { KernelClient } from "../kernel/client.js";
import { asDocsError } from "../errors.js";
import { shallowCopy } from "../notebook/clone.js";
import { kernelNameOf } from "../notebook/kernel-name.js";
import type { Transport } from "../kernel/connection.js";
import { KernelDiedError, KernelStartError, RequestTimeoutError } from "../kernel/errors.js";
import { resolveKernel } from "../kernel/kernelspec.js";
import { describeExit } from "../kernel/launch.js";
import type { KernelProfile } from "../kernel/profile.js";
import type { KernelSandbox } from "../kernel/sandbox/sandbox.js";
import { DisplayRegistry, joinText } from "../kernel/to-output.js";
import {
  CellExecutionError,
  CellTimeoutError,
  DeadKernelError,
  ExecutionAborted,
  KernelStartFailure,
  NotebookError,
  NotebookUsageError,
  UnexpectedSuccessError,
} from "./errors.js";
import { CellAbortedError, executeCell, OutputLimitError } from "./execute-cell.js";
import { errorText, preview } from "./summarize.js";

export interface ExecuteNotebookOptions {
  /** Shown in messages: the notebook's path relative to the project. */
  label: string;
  /** The kernel's working directory: the notebook's folder. */
  cwd: string;
  timeoutMs: number;
  maxTextLength: number;
  transport?: Transport;
  signal?: AbortSignal;
  onCell?: (cell: number, cells: number) => void;
  /** The kernel, when already resolved from the notebook's kernelspec. */
  profile?: KernelProfile;
  /** The sandbox the kernel runs in (where it starts). */
  sandbox?: KernelSandbox;
}

export interface ExecutedNotebook {
  notebook: INotebookContent;
  codeCells: number;
  /** Seconds from kernel start to first reply. */
  startSeconds: number;
}

/** How long an interrupted cell may take to stop before its kernel is killed. */
const INTERRUPT_GRACE_MS = 500;

const tagged = (cell: ICell, tag: string): boolean => ((cell.metadata.tags as string[] | undefined) ?? []).includes(tag);

/**
 * Runs every code cell of a copy of `nb` in a fresh kernel, as `nbconvert --execute` does:
 * outputs and execution counts replaced, `language_info` from the kernel, empty cells left
 * alone. The first error stops the notebook unless the cell is tagged `raises-exception`;
 * the kernel is shut down (or killed) whatever happens.
 */
export async function executeNotebook(nb: INotebookContent, options: ExecuteNotebookOptions): Promise<ExecutedNotebook> {
  const { label } = options;
  const kernelName = kernelNameOf(nb);
  if (!kernelName) throw new NotebookUsageError(label, "no kernelspec in the notebook's metadata", "", undefined);
  const profile = options.profile ?? (await resolveKernel(kernelName).catch((e: unknown) => {
    throw NotebookError.of(label, asDocsError(e));
  }));
  if (options.signal?.aborted) throw new ExecutionAborted(label, "build stopped before the notebook started");

  // Shallow copies: the cells' other content is shared, not cloned, because the notebook
  // reader remembers number spellings (1.0) by object identity.
  const result = shallowCopy(nb);
  result.metadata = shallowCopy(nb.metadata);
  result.cells = nb.cells.map((c) => (c.cell_type === "code" ? shallowCopy(c) : c));
  const started = Date.now();
  let client: KernelClient;
  try {
    client = await KernelClient.start({
      kernel: profile,
      cwd: options.cwd,
      maxStreamText: options.maxTextLength,
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
    });
  } catch (e) {
    if (options.signal?.aborted) throw new ExecutionAborted(label, "build stopped while the kernel started; kernel killed");
    const err = e as KernelStartError;
    throw new KernelStartFailure(label, err.message, err.log ?? "");
  }
  const startSeconds = (Date.now() - started) / 1000;
  const onAbort = (): void => client.killNow();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // Stopped between the kernel's start and now: the first cell then fails as stopped.
  if (options.signal?.aborted) onAbort();

  // Output printed after a cell ended (an unhandled rejection, say) belongs to that cell.
  const cellOfRequest = new Map<string, number>();
  const lateErrors: { cell: number; text: string }[] = [];
  client.onLateIopub = (msg) => {
    const cell = cellOfRequest.get(msg.parent_header.msg_id ?? "");
    const text = msg.header.msg_type === "stream" ? String(msg.content.text ?? "") : "";
    if (cell !== undefined && profile.reportsUncaughtError(text)) lateErrors.push({ cell, text });
  };
  const failLate = (): void => {
    const late = lateErrors[0];
    if (late) {
      const cell = result.cells[late.cell]!;
      const { summary } = profile.summarizeError([{ output_type: "stream", name: "stderr", text: late.text }]);
      throw new CellExecutionError(label, summary, late.text, late.cell + 1, preview(cell));
    }
  };

  const registry = new DisplayRegistry();
  const codeCells = result.cells.filter((c) => c.cell_type === "code").length;
  let codeIndex = 0;
  try {
    if (client.info.language_info) result.metadata.language_info = client.info.language_info as INotebookContent["metadata"]["language_info"];
    for (const [index, cell] of result.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      options.onCell?.(++codeIndex, codeCells);
      const code = joinText(cell.source);
      if (code.trim() === "") continue;
      const number = index + 1;
      const codeCell = cell as ICodeCell;
      let run;
      try {
        run = await executeCell(client, code, {
          timeoutMs: options.timeoutMs,
          maxTextLength: options.maxTextLength,
          registry,
          onRequest: (id) => cellOfRequest.set(id, index),
          stopOnError: !tagged(cell, "raises-exception"),
        });
      } catch (e) {
        // A cell over its time is interrupted first, as nbclient does, so the kernel can stop
        // what it runs (child processes included); the notebook fails either way.
        if (e instanceof RequestTimeoutError && !options.signal?.aborted) {
          client.interrupt();
          await Promise.race([client.process.exited, new Promise((resolve) => setTimeout(resolve, INTERRUPT_GRACE_MS))]);
        }
        // The kernel is in an unknown state (still looping, say): no shutdown grace for it.
        client.killNow();
        if (options.signal?.aborted) throw new ExecutionAborted(label, "build stopped; kernel killed", "", number, preview(cell));
        if (e instanceof RequestTimeoutError) {
          throw new CellTimeoutError(label, `timed out after ${options.timeoutMs / 1000} s; kernel killed (raise --timeout if the cell is slow)`, "", number, preview(cell));
        }
        if (e instanceof KernelDiedError) {
          throw new DeadKernelError(label, `kernel died (${describeExit(e.exit)}) while running the cell`, e.log, number, preview(cell));
        }
        if (e instanceof CellAbortedError) throw new CellExecutionError(label, e.message, "", number, preview(cell));
        if (e instanceof OutputLimitError) {
          throw new CellExecutionError(label, `output over the limit of ${options.maxTextLength} characters; kernel killed (raise --max-output if the cell must print that much)`, e.notice, number, preview(cell));
        }
        throw e;
      }
      codeCell.outputs = run.outputs;
      codeCell.execution_count = run.executionCount;
      const text = errorText(run.outputs);
      const raised = run.status === "error" || profile.reportsUncaughtError(text);
      if (raised && !tagged(cell, "raises-exception")) {
        const { summary, line } = profile.summarizeError(run.outputs);
        throw new CellExecutionError(label, summary, text, number, preview(cell, line));
      }
      if (!raised && tagged(cell, "raises-exception")) {
        throw new UnexpectedSuccessError(label, 'the cell is tagged "raises-exception" but ran without error', "", number, preview(cell));
      }
      failLate();
    }
    // Give a rejection raised by the last cell's pending work a moment to be reported.
    await new Promise((resolve) => setTimeout(resolve, 50));
    failLate();
    if (client.rejected.length > 0) {
      throw new CellExecutionError(label, `the kernel sent ${client.rejected.length} message(s) that failed verification: ${client.rejected[0]!.message}`);
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await client.shutdown();
  }
  return { notebook: result, codeCells, startSeconds };
}
