import type { ErrorCode } from "../errors.js";
import { NotebookUsageError } from "./errors.js";

/** A file the notebook declares in "docs": {"depends"} cannot be used (exit 2: nothing ran). */
export class DependencyError extends NotebookUsageError {
  override name = "DependencyError";
  static override readonly code: ErrorCode = "ERR_DEPENDENCY";
}
