import type { IOutput } from "@jupyterlab/nbformat";
import type { KernelClient } from "../kernel/client.js";
import { OutputCollector, type DisplayRegistry } from "../kernel/to-output.js";
import type { JupyterMessage } from "../kernel/messages.js";

export interface CellRun {
  status: "ok" | "error";
  outputs: IOutput[];
  executionCount: number | null;
  /** Characters of output dropped over the limit. */
  droppedLength: number;
  /** msg_id of the request that ran, to attribute output arriving after the cell ended. */
  requestId: string | undefined;
}

export interface CellRunOptions {
  timeoutMs: number;
  maxTextLength: number;
  registry: DisplayRegistry;
}

/** tslab refuses requests for 200 ms after an error ("abort"); wait out that window, then retry. */
const ABORT_RETRY_DELAY_MS = 250;
const ABORT_RETRIES = 4;

export class CellAbortedError extends Error {
  override name = "CellAbortedError";
}

/**
 * Runs one code cell and collects its outputs. A request the kernel answers with `abort` ran
 * nothing and produced nothing, so it is sent again: a cell is never skipped silently.
 */
export async function executeCell(client: KernelClient, code: string, options: CellRunOptions): Promise<CellRun> {
  for (let attempt = 0; ; attempt++) {
    const collector = new OutputCollector({ maxTextLength: options.maxTextLength, registry: options.registry });
    let requestId: string | undefined;
    const reply = await client.execute({ code }, {
      timeoutMs: options.timeoutMs,
      onIopub: (msg: JupyterMessage) => {
        requestId ??= msg.parent_header.msg_id;
        collector.handle(msg);
      },
    });
    if (reply.status === "abort" || reply.status === "aborted") {
      if (attempt >= ABORT_RETRIES) throw new CellAbortedError(`the kernel refused to run the cell ${attempt + 1} times (status "${reply.status}")`);
      await new Promise((resolve) => setTimeout(resolve, ABORT_RETRY_DELAY_MS));
      continue;
    }
    const notice = collector.truncationNotice();
    return {
      status: reply.status === "ok" ? "ok" : "error",
      outputs: notice ? [...collector.outputs, notice] : collector.outputs,
      executionCount: reply.execution_count ?? collector.executionCount,
      droppedLength: collector.droppedLength,
      requestId,
    };
  }
}
