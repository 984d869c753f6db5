/**
 * Notebook → .ipynb text, byte for byte what Python's `nbformat.write(nb, f)` writes
 * for the same notebook read with `nbformat.read`: multi-line strings re-split into
 * lines where nbformat splits them, transient metadata dropped, JSON laid out as
 * nbformat lays it out (see json-dump.ts), and a final newline.
 *
 * Not reproduced: nbformat invents random ids for cells without one when
 * nbformat_minor >= 5; such cells are written without an id.
 */
import type { INotebookContent } from "@jupyterlab/nbformat";
import { dumpPythonJson } from "./json-dump.js";
import { copyNumberTexts } from "./json-numbers.js";
import { splitLinesKeepEnds } from "./lines.js";

type Json = Record<string, unknown>;

export function serializeNotebook(nb: INotebookContent): string {
  return dumpPythonJson(diskForm(nb)) + "\n";
}

function diskForm(nb: INotebookContent): Json {
  const out = copy(nb as Json);
  if (isRecord(nb.metadata)) out.metadata = without(nb.metadata, ["orig_nbformat", "orig_nbformat_minor", "signature"]);
  if (Array.isArray(nb.cells)) out.cells = nb.cells.map((cell) => diskCell(cell as Json));
  return out;
}

function diskCell(cell: Json): Json {
  const out = copy(cell);
  if ("source" in cell) out.source = splitText(rejoined(cell.source));
  if (isRecord(cell.metadata)) out.metadata = without(cell.metadata, ["trusted"]);
  if (isRecord(cell.attachments)) {
    const attachments = copy(cell.attachments);
    for (const [name, bundle] of Object.entries(cell.attachments)) {
      if (isRecord(bundle)) attachments[name] = diskBundle(bundle);
    }
    out.attachments = attachments;
  }
  if (cell.cell_type === "code" && Array.isArray(cell.outputs)) {
    out.outputs = cell.outputs.map((o: unknown) => (isRecord(o) ? diskOutput(o) : o));
  }
  return out;
}

function diskOutput(output: Json): Json {
  const out = copy(output);
  const type = output.output_type;
  if (type === "execute_result" || type === "display_data") {
    if (isRecord(output.data)) out.data = diskBundle(output.data);
  } else if (type && Array.isArray(output.text) && output.text.every(isString)) {
    // Any other output's text is rejoined on read, but only a stream's is split on write.
    out.text = output.text.join("");
    if (type === "stream") out.text = splitLinesKeepEnds(out.text as string);
  } else if (type === "stream" && typeof output.text === "string") {
    out.text = splitLinesKeepEnds(output.text);
  }
  return out;
}

/** Mime types whose string data nbformat splits into lines besides text/*. */
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

function diskBundle(bundle: Json): Json {
  const out = copy(bundle);
  for (const [mime, value] of Object.entries(bundle)) {
    let v = value;
    if (!isJsonMime(mime) && Array.isArray(v) && v.every(isString)) v = v.join("");
    if (typeof v === "string" && (mime.startsWith("text/") || SPLIT_MIMES.has(mime))) v = splitLinesKeepEnds(v);
    out[mime] = v;
  }
  return out;
}

/** JSON mime data is stored as JSON, never as text. */
function isJsonMime(mime: string): boolean {
  return mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
}

function rejoined(value: unknown): unknown {
  return Array.isArray(value) && value.every(isString) ? value.join("") : value;
}

function splitText(value: unknown): unknown {
  return typeof value === "string" ? splitLinesKeepEnds(value) : value;
}

function copy(from: object): Json {
  const to = { ...from } as Json;
  copyNumberTexts(from, to);
  return to;
}

function without(from: object, keys: string[]): Json {
  const to = copy(from);
  for (const k of keys) delete to[k];
  return to;
}

function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isString(v: unknown): v is string {
  return typeof v === "string";
}
