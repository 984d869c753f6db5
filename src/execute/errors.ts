import { DocsError, type ErrorCode } from "../errors.js";
import type { Finding } from "../stages/types.js";

/**
 * Errors that stop one notebook. The message is the one line a user reads:
 * `notebooks/x.ipynb, cell 3: Error: boom (const x = f())`; details (full error text,
 * kernel log) go below it on --verbose. Each kind has its code (src/errors.ts), which decides
 * the exit status; `code` overrides it where one kind covers several causes.
 */
export class NotebookError extends DocsError {
  static readonly code: ErrorCode = "ERR_CELL_FAILED";
  override name = "NotebookError";
  constructor(
    readonly notebook: string,
    readonly summary: string,
    details = "",
    /** 1-based position in the notebook's cell list, when a cell is to blame. */
    readonly cell?: number,
    readonly preview?: string,
    code?: ErrorCode,
  ) {
    super(code ?? (new.target as typeof NotebookError).code, `${notebook}${cell === undefined ? "" : `, cell ${cell}`}: ${summary}${preview ? ` (${preview})` : ""}`, details);
  }

  /** A DocsError met while building a notebook, as that notebook's error with the same code. */
  static of(notebook: string, error: DocsError): NotebookError {
    return error instanceof NotebookError ? error : new NotebookError(notebook, error.message, error.details, undefined, undefined, error.code);
  }
}

/** The cell raised (or TypeScript rejected it) and it was not tagged `raises-exception`. */
export class CellExecutionError extends NotebookError {
  static override readonly code: ErrorCode = "ERR_CELL_FAILED";
  override name = "CellExecutionError";
}

/** A cell tagged `raises-exception` ran without error: the page would show a wrong example. */
export class UnexpectedSuccessError extends NotebookError {
  static override readonly code: ErrorCode = "ERR_CELL_UNEXPECTED_SUCCESS";
  override name = "UnexpectedSuccessError";
}

export class CellTimeoutError extends NotebookError {
  static override readonly code: ErrorCode = "ERR_CELL_TIMEOUT";
  override name = "CellTimeoutError";
}

export class DeadKernelError extends NotebookError {
  static override readonly code: ErrorCode = "ERR_KERNEL_DIED";
  override name = "DeadKernelError";
}

export class KernelStartFailure extends NotebookError {
  static override readonly code: ErrorCode = "ERR_KERNEL_START";
  override name = "KernelStartFailure";
}

/** The build was stopped (Ctrl-C, SIGTERM) while this notebook ran. */
export class ExecutionAborted extends NotebookError {
  static override readonly code: ErrorCode = "ERR_ABORTED";
  override name = "ExecutionAborted";
}

/** Not a failure of the code: the notebook cannot be run as given (exit code 2). */
export class NotebookUsageError extends NotebookError {
  static override readonly code: ErrorCode = "ERR_NOTEBOOK_INVALID";
  override name = "NotebookUsageError";
}

/**
 * The checks found things the page must not show. Every finding is listed, one line each in
 * the usual form; the first decides the code (and so the exit status).
 */
export class ChecksFailedError extends NotebookError {
  override name = "ChecksFailedError";
  constructor(notebook: string, readonly findings: readonly Finding[]) {
    const [first, ...rest] = findings;
    const line = (f: Finding): string => `${notebook}${f.cell === undefined ? "" : `, cell ${f.cell}`}: ${f.message}`;
    super(notebook, first!.message, "", first!.cell, undefined, first!.code);
    if (rest.length > 0) this.message = [first!, ...rest].map(line).join("\n");
  }
}
