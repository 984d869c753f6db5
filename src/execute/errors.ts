/**
 * Errors that stop one notebook. The message is the one line a user reads:
 * `notebooks/x.ipynb, cell 3: Error: boom (const x = f())`; details (full error text,
 * kernel log) go below it on --verbose.
 */
export class NotebookError extends Error {
  override name = "NotebookError";
  constructor(
    readonly notebook: string,
    readonly summary: string,
    readonly details = "",
    /** 1-based position in the notebook's cell list, when a cell is to blame. */
    readonly cell?: number,
    readonly preview?: string,
  ) {
    super(`${notebook}${cell === undefined ? "" : `, cell ${cell}`}: ${summary}${preview ? ` (${preview})` : ""}`);
  }
}

/** The cell raised (or TypeScript rejected it) and it was not tagged `raises-exception`. */
export class CellExecutionError extends NotebookError {
  override name = "CellExecutionError";
}

/** A cell tagged `raises-exception` ran without error: the page would show a wrong example. */
export class UnexpectedSuccessError extends NotebookError {
  override name = "UnexpectedSuccessError";
}

export class CellTimeoutError extends NotebookError {
  override name = "CellTimeoutError";
}

export class DeadKernelError extends NotebookError {
  override name = "DeadKernelError";
}

export class KernelStartFailure extends NotebookError {
  override name = "KernelStartFailure";
}

/** The build was stopped (Ctrl-C, SIGTERM) while this notebook ran. */
export class ExecutionAborted extends NotebookError {
  override name = "ExecutionAborted";
}

/** Not a failure of the code: the notebook cannot be run as given (exit code 2). */
export class NotebookUsageError extends NotebookError {
  override name = "NotebookUsageError";
}
