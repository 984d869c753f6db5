import type { ICell, IOutput, MultilineString } from "@jupyterlab/nbformat";

/** nbformat stores long strings either whole or as a list of lines; this is the whole string. */
export function joinMultiline(value: MultilineString | undefined): string {
  if (value === undefined) return "";
  return Array.isArray(value) ? value.join("") : value;
}

/** Like joinMultiline for a value read from a file, whose shape is not guaranteed. */
function stringOrLines(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("");
  return undefined;
}

/**
 * Whether a mime bundle value of this type is text (as opposed to base64 of binary data,
 * like image/png), so it can carry tokens or keys a reader sees.
 */
export function isTextualMime(mime: string): boolean {
  return (
    mime.startsWith("text/") ||
    mime === "application/json" ||
    mime.endsWith("+json") ||
    mime.endsWith("+xml") ||
    mime === "application/xml" ||
    mime === "application/javascript"
  );
}

/** The text of one mime bundle value: strings joined, JSON data (an object) stringified. */
export function mimeValueText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = stringOrLines(value);
  if (text !== undefined) return text;
  return JSON.stringify(value, null, 1);
}

/**
 * Every text a reader of this output can see: stream text, each textual mime value,
 * and an error's name, message and traceback (lines joined by newlines).
 */
export function* outputTexts(output: IOutput): Generator<string> {
  switch (output.output_type) {
    case "stream": {
      const text = stringOrLines(output.text);
      if (text !== undefined) yield text;
      return;
    }
    case "display_data":
    case "execute_result":
    case "update_display_data": {
      const data = (output.data ?? {}) as Record<string, unknown>;
      for (const mime of Object.keys(data).sort()) {
        if (!isTextualMime(mime)) continue;
        const text = mimeValueText(data[mime]);
        if (text !== undefined) yield text;
      }
      return;
    }
    case "error": {
      if (typeof output.ename === "string") yield output.ename;
      if (typeof output.evalue === "string") yield output.evalue;
      const traceback = output.traceback;
      if (Array.isArray(traceback)) yield traceback.filter((l) => typeof l === "string").join("\n");
      return;
    }
    default:
      return;
  }
}

/** The outputs of a cell (only code cells have any). */
export function cellOutputs(cell: ICell): IOutput[] {
  if (cell.cell_type !== "code") return [];
  const outputs = (cell as { outputs?: unknown }).outputs;
  return Array.isArray(outputs) ? (outputs as IOutput[]) : [];
}

/** The cell's tags (metadata.tags), or none. */
export function cellTags(cell: ICell): string[] {
  const tags = (cell.metadata as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}
