import { describeExit, type ExitInfo } from "./launch.js";

/** Errors of the kernel itself, before any notebook or cell is named. */
export class KernelError extends Error {
  override name = "KernelError";
  /** What the kernel process printed outside the protocol, for --verbose. */
  constructor(message: string, readonly log = "") {
    super(message);
  }
}

export class KernelStartError extends KernelError {
  override name = "KernelStartError";
}

/** A kernel that bound its sockets but never answered on them; a new kernel is started instead. */
export class KernelUnresponsiveError extends KernelStartError {
  override name = "KernelUnresponsiveError";
}

export class KernelDiedError extends KernelError {
  override name = "KernelDiedError";
  constructor(readonly exit: ExitInfo, log: string) {
    super(`kernel died (${describeExit(exit)})`, log);
  }
}

export class RequestTimeoutError extends KernelError {
  override name = "RequestTimeoutError";
  constructor(readonly seconds: number) {
    super(`no reply within ${seconds} s`);
  }
}
