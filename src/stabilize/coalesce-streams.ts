import type { ICodeCell, INotebookContent, IOutput, IStream } from "@jupyterlab/nbformat";
import { joinText } from "../kernel/to-output.js";
import { shallowCopy } from "../notebook/clone.js";
import type { Stabilizer } from "../stages/types.js";

/** A carriage return followed by more text on the same line overwrites the line, as on a terminal. */
const OVERWRITTEN = /[^\n]*\r(?=[^\n])/g;

/**
 * Merges consecutive stream outputs of the same name into one and applies carriage returns,
 * as nbconvert does before it writes an executed notebook. A kernel may send every write as
 * a message of its own, so without this a notebook would hold one output per line.
 */
export function coalesceStreams(nb: INotebookContent): INotebookContent {
  // Copies that keep the reader's record of number spellings (1.0) in what they share.
  const result = shallowCopy(nb);
  result.cells = nb.cells.map((cell) => {
    if (cell.cell_type !== "code") return cell;
    const copy = shallowCopy(cell as ICodeCell);
    copy.outputs = coalesce(copy.outputs);
    return copy;
  });
  return result;
}

function coalesce(outputs: readonly IOutput[]): IOutput[] {
  const merged: IOutput[] = [];
  for (const output of outputs) {
    const last = merged.at(-1);
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      merged[merged.length - 1] = { ...last, text: joinText(last.text as string | string[]) + joinText(output.text as string | string[]) } as IStream;
    } else {
      merged.push(output);
    }
  }
  return merged.map((o) => {
    if (o.output_type !== "stream") return o;
    const text = joinText(o.text as string | string[]);
    return text.includes("\r") ? { ...o, text: text.replace(OVERWRITTEN, "") } : o;
  });
}

export const coalesceStreamsStage: Stabilizer = {
  name: "coalesce streams",
  apply: (nb) => coalesceStreams(nb),
};
