import type { IOutput } from "@jupyterlab/nbformat";
import type { KernelClient } from "../kernel/client.js";
import { joinText, OutputCollector, type DisplayRegistry } from "../kernel/to-output.js";
import type { JupyterMessage } from "../kernel/messages.js";

export interface CellRun {
  status: "ok" | "error";
  outputs: IOutput[];
  executionCount: number | null;
}

export interface CellRunOptions {
  timeoutMs: number;
  maxTextLength: number;
  registry: DisplayRegistry;
  /**
   * Called with the msg_id of the request on its first iopub message, before the cell can end:
   * output of the cell arriving after its end (an unhandled rejection) may come right after.
   */
  onRequest?: (msgId: string) => void;
  /**
   * Jupyter's `stop_on_error`: false for a cell allowed to raise, as nbclient sends it. With true,
   * a Jupyter kernel aborts the requests that reach it just after the error (ipykernel does).
   */
  stopOnError: boolean;
}

export class CellAbortedError extends Error {
  override name = "CellAbortedError";
}

/** The cell printed more than the limit; the kernel was killed rather than let it go on. */
export class OutputLimitError extends Error {
  override name = "OutputLimitError";
  constructor(readonly notice: string) {
    super(notice);
  }
}

/**
 * Runs one code cell and collects its outputs. A request the kernel answers with `abort` ran
 * nothing and produced nothing, so it is sent again: a cell is never skipped silently.
 * Output over the limit fails the notebook whatever follows, so the kernel is killed at
 * once: a cell printing in a loop costs neither the time until the timeout nor the memory.
 */
export async function executeCell(client: KernelClient, code: string, options: CellRunOptions): Promise<CellRun> {
  for (let attempt = 0; ; attempt++) {
    const collector = new OutputCollector({ maxTextLength: options.maxTextLength, registry: options.registry });
    let requestId: string | undefined;
    let overflowed = false;
    const reply = await client.execute({ code, stop_on_error: options.stopOnError }, {
      timeoutMs: options.timeoutMs,
      onIopub: (msg: JupyterMessage) => {
        if (requestId === undefined && msg.parent_header.msg_id !== undefined) {
          requestId = msg.parent_header.msg_id;
          options.onRequest?.(requestId);
        }
        collector.handle(msg);
        if (collector.droppedLength > 0 && !overflowed) {
          overflowed = true;
          client.killNow();
        }
      },
    }).catch((e: unknown) => {
      if (overflowed) return undefined;
      throw e;
    });
    // Killed for its output, whether the kill or the cell's end came first.
    if (!reply || overflowed) throw new OutputLimitError(joinText(collector.truncationNotice()?.text ?? ""));
    if (reply.status === "abort" || reply.status === "aborted") {
      // Some kernels refuse requests for a moment after an error; their profile says how long.
      if (attempt >= client.profile.abortRetries) throw new CellAbortedError(`the kernel refused to run the cell ${attempt + 1} times (status "${reply.status}")`);
      await new Promise((resolve) => setTimeout(resolve, client.profile.abortRetryDelayMs));
      continue;
    }
    return {
      status: reply.status === "ok" ? "ok" : "error",
      outputs: collector.outputs,
      executionCount: reply.execution_count ?? collector.executionCount,
    };
  }
}
