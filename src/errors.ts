/**
 * One error model for everything a user can cause or meet. Each error carries a stable `code`
 * (what scripts and tests match on; the text may improve) and the code decides the exit status,
 * so the CLI never guesses from a class. Adding a kind of error is one line in ERROR_CODES.
 */
export const ERROR_CODES = {
  // 2: the input cannot be used as given; nothing ran for it.
  ERR_USAGE: 2,
  ERR_NOTEBOOK_READ: 2,
  ERR_NOTEBOOK_INVALID: 2,
  ERR_KERNEL_NOT_FOUND: 2,
  ERR_KEYS_INVALID: 2,
  ERR_PAGE_COLLISION: 2,
  ERR_UNSAFE_PATH: 2,
  ERR_DEPENDENCY: 2,
  // 1: the build ran and a notebook failed, or --check found something stale.
  ERR_CELL_FAILED: 1,
  ERR_CELL_UNEXPECTED_SUCCESS: 1,
  ERR_CELL_TIMEOUT: 1,
  ERR_OUTPUT_LIMIT: 1,
  ERR_KERNEL_START: 1,
  ERR_KERNEL_DIED: 1,
  ERR_TOKEN_UNVERIFIED: 1,
  ERR_PRIVATE_KEY: 1,
  ERR_OUTPUT_INVALID: 1,
  ERR_WRITE: 1,
  ERR_NOTEBOOK_CHANGED: 1,
  ERR_LOCKED: 1,
  ERR_STALE: 1,
  ERR_ABORTED: 1,
  // --strict and no kernel sandbox on this machine: nothing ran.
  ERR_SANDBOX: 1,
  // A bug of the build itself: shown with its stack only under --verbose.
  ERR_INTERNAL: 1,
} as const satisfies Record<string, 1 | 2>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DocsError extends Error {
  override name = "DocsError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** More text for --verbose (full error text, kernel log); never needed to understand the message. */
    readonly details = "",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitStatus(): 1 | 2 {
    return ERROR_CODES[this.code];
  }
}

/** Any thrown value as a DocsError: unknown ones are bugs (ERR_INTERNAL), their stack kept for --verbose. */
export function asDocsError(e: unknown): DocsError {
  if (e instanceof DocsError) return e;
  // A file the system refused (a folder where a file goes, no permission, a full disk) is the
  // machine's state, not a bug: Node's message names the operation and the path.
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === "string" && typeof (e as NodeJS.ErrnoException).code === "string") {
    return new DocsError("ERR_WRITE", e.message, e.stack ?? "", { cause: e });
  }
  const error = e instanceof Error ? e : new Error(String(e));
  return new DocsError("ERR_INTERNAL", `internal error: ${error.message}`, error.stack ?? "", { cause: e });
}
