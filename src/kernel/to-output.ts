import type { IDisplayData, IDisplayUpdate, IError, IExecuteResult, IOutput, IStream, MultilineString } from "@jupyterlab/nbformat";
import type { JupyterMessage } from "./messages.js";

type DisplayOutput = IDisplayData | IExecuteResult;

/**
 * Outputs shown with a display id, across the whole notebook: `update_display_data` rewrites
 * every one of them in place, in whichever cell it was shown, as Jupyter front ends do.
 */
export class DisplayRegistry {
  private readonly byId = new Map<string, DisplayOutput[]>();

  add(id: string, output: DisplayOutput): void {
    const list = this.byId.get(id) ?? [];
    list.push(output);
    this.byId.set(id, list);
  }

  update(id: string, data: IDisplayData["data"], metadata: IDisplayData["metadata"]): void {
    for (const output of this.byId.get(id) ?? []) {
      output.data = data;
      output.metadata = metadata;
    }
  }

  /** clear_output removes a cell's outputs; their ids must no longer be updated there. */
  forget(outputs: readonly IOutput[]): void {
    for (const [id, list] of this.byId) this.byId.set(id, list.filter((o) => !outputs.includes(o)));
  }
}

export interface CollectorOptions {
  /** Most characters of stream text kept for one cell; the rest is dropped with a notice. */
  maxTextLength: number;
  registry: DisplayRegistry;
}

/**
 * Turns the iopub messages answering one execute request into nbformat outputs, the way
 * nbclient does: stream, display_data, execute_result, error, clear_output (with `wait`),
 * and display updates.
 */
export class OutputCollector {
  readonly outputs: IOutput[] = [];
  executionCount: number | null = null;
  /** Characters of stream text dropped over the limit. */
  droppedLength = 0;
  private keptLength = 0;
  private clearBeforeNext = false;

  constructor(private readonly options: CollectorOptions) {}

  handle(msg: JupyterMessage): void {
    const content = msg.content;
    switch (msg.header.msg_type) {
      case "stream":
        this.append(this.stream(String(content.name ?? "stdout"), String(content.text ?? ""), msg.omittedLength ?? 0));
        return;
      case "display_data":
      case "execute_result": {
        const output = this.display(msg);
        if (output) this.append(output);
        return;
      }
      case "update_display_data": {
        if (!this.fits((content.data ?? {}) as Record<string, unknown>)) return;
        const id = displayId(content);
        if (id) this.options.registry.update(id, (content.data ?? {}) as IDisplayUpdate["data"], (content.metadata ?? {}) as IDisplayUpdate["metadata"]);
        return;
      }
      case "error":
        this.append({
          output_type: "error",
          ename: String(content.ename ?? ""),
          evalue: String(content.evalue ?? ""),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        } satisfies IError);
        return;
      case "clear_output":
        if (content.wait) this.clearBeforeNext = true;
        else this.clear();
        return;
      case "execute_input":
        if (typeof content.execution_count === "number") this.executionCount = content.execution_count;
        return;
      default:
        // status, comm_*, debug events: no output.
        return;
    }
  }

  /** `omitted`: characters past `text` that the wire decoder only counted, all over the limit. */
  private stream(name: string, text: string, omitted: number): IStream | undefined {
    this.droppedLength += omitted;
    const room = this.options.maxTextLength - this.keptLength;
    if (text.length > room) {
      this.droppedLength += text.length - Math.max(room, 0);
      text = text.slice(0, Math.max(room, 0));
    }
    this.keptLength += text.length;
    if (text === "") return undefined;
    return { output_type: "stream", name: name === "stderr" ? "stderr" : "stdout", text };
  }

  /**
   * Counts a display payload (every MIME value, base64 images included) against the same
   * limit as stream text; false when it does not fit, and it is dropped.
   */
  private fits(data: Record<string, unknown>): boolean {
    const size = payloadLength(data);
    const room = this.options.maxTextLength - this.keptLength;
    if (size > room) {
      this.droppedLength += size - Math.max(room, 0);
      this.keptLength = Math.max(this.keptLength, this.options.maxTextLength);
      return false;
    }
    this.keptLength += size;
    return true;
  }

  private display(msg: JupyterMessage): DisplayOutput | undefined {
    const content = msg.content;
    const data = (content.data ?? {}) as IDisplayData["data"];
    const metadata = (content.metadata ?? {}) as IDisplayData["metadata"];
    if (!this.fits(data)) return undefined;
    const output: DisplayOutput =
      msg.header.msg_type === "execute_result"
        ? { output_type: "execute_result", data, metadata, execution_count: (content.execution_count as number | null) ?? null }
        : { output_type: "display_data", data, metadata };
    if (output.output_type === "execute_result") this.executionCount = output.execution_count;
    const id = displayId(content);
    if (id) {
      // A new display with a known id also refreshes the earlier ones.
      this.options.registry.update(id, data, metadata);
      this.options.registry.add(id, output);
    }
    return output;
  }

  private append(output: IOutput | undefined): void {
    if (!output) return;
    if (this.clearBeforeNext) {
      this.clear();
      this.clearBeforeNext = false;
    }
    this.outputs.push(output);
  }

  private clear(): void {
    this.options.registry.forget(this.outputs);
    this.outputs.length = 0;
  }

  /** The visible notice that ends a capped output. */
  truncationNotice(): IStream | undefined {
    if (this.droppedLength === 0) return undefined;
    return {
      output_type: "stream",
      name: "stderr",
      text: `[output truncated: ${this.droppedLength} more characters over the limit of ${this.options.maxTextLength} were dropped]\n`,
    };
  }
}

/** Characters of a MIME bundle: strings (or lists of lines) as they are, other JSON as serialized. */
function payloadLength(data: Record<string, unknown>): number {
  let total = 0;
  for (const value of Object.values(data)) {
    if (typeof value === "string") total += value.length;
    else if (Array.isArray(value) && value.every((v) => typeof v === "string")) for (const line of value) total += line.length;
    else total += JSON.stringify(value)?.length ?? 0;
  }
  return total;
}

function displayId(content: Record<string, unknown>): string | undefined {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === "string" ? transient.display_id : undefined;
}

/** nbformat stores text as a string or as a list of lines; this is the string. */
export function joinText(text: MultilineString): string {
  return Array.isArray(text) ? text.join("") : text;
}
