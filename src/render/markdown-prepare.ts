/**
 * The notebook changes nbconvert makes before its markdown template runs:
 * multi-line strings rejoined (nbformat.read), consecutive streams merged and
 * carriage-return overwrites applied (coalesce_streams), cell magics detected
 * (HighlightMagicsPreprocessor) and HTML dedented (ExtractOutputPreprocessor).
 */
import type { ICell, IOutput, MultilineString } from "@jupyterlab/nbformat";
import { joinLines } from "../notebook/lines.js";
import { dedent, pythonStr } from "./markdown-text.js";

export type PreparedOutput =
  | { type: "stream"; text: string }
  | { type: "execute_result" | "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { type: "error"; traceback: string[] }
  | { type: "other" };

/** Stored outputs as the template sees them (indices are those of the returned list). */
export function prepareOutputs(outputs: IOutput[]): PreparedOutput[] {
  const merged: PreparedOutput[] = [];
  let lastStreamName: unknown;
  for (const output of outputs) {
    const prepared = prepareOutput(output);
    const last = merged[merged.length - 1];
    if (prepared.type === "stream" && last?.type === "stream" && lastStreamName === output.name) {
      last.text += prepared.text;
      continue;
    }
    merged.push(prepared);
    lastStreamName = prepared.type === "stream" ? output.name : undefined;
  }
  for (const p of merged) {
    // A line's text before a "\r" that is followed by more text is overwritten (Python's `.*\r(?=[^\n])`).
    if (p.type === "stream" && p.text.includes("\r")) p.text = p.text.replace(/[^\n]*\r(?=[^\n])/g, "");
  }
  return merged;
}

function prepareOutput(output: IOutput): PreparedOutput {
  switch (output.output_type) {
    case "stream":
      return { type: "stream", text: joinLines(output.text as MultilineString) };
    case "execute_result":
    case "display_data": {
      const data: Record<string, unknown> = {};
      for (const [mime, value] of Object.entries((output.data ?? {}) as Record<string, unknown>)) {
        data[mime] = rejoinMime(mime, value);
      }
      if (typeof data["text/html"] === "string") data["text/html"] = dedent(data["text/html"]);
      return { type: output.output_type, data, metadata: (output.metadata ?? {}) as Record<string, unknown> };
    }
    case "error":
      return { type: "error", traceback: (output.traceback as string[] | undefined) ?? [] };
    default:
      return { type: "other" };
  }
}

function rejoinMime(mime: string, value: unknown): unknown {
  const json = mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
  return !json && Array.isArray(value) && value.every((v) => typeof v === "string") ? value.join("") : value;
}

// Python's \s in a str pattern (str.isspace characters).
const PY_SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const MAGIC_LANGUAGES: Record<string, string> = {
  "%%R": "r",
  "%%bash": "bash",
  "%%cython": "cython",
  "%%javascript": "javascript",
  "%%julia": "julia",
  "%%latex": "latex",
  "%%octave": "octave",
  "%%perl": "perl",
  "%%ruby": "ruby",
  "%%sh": "sh",
  "%%sql": "sql",
};
const MAGIC = new RegExp(`^${PY_SPACE}*(${Object.keys(MAGIC_LANGUAGES).join("|")})${PY_SPACE}+`);

/** The fence language of a code cell: its cell magic's, a stored one, or the notebook's. */
export function fenceLanguage(cell: ICell, source: string, notebookMetadata: Record<string, unknown>): string {
  const magic = MAGIC.exec(source);
  if (magic) return MAGIC_LANGUAGES[magic[1]!]!;
  const meta = cell.metadata as Record<string, unknown>;
  if (Object.hasOwn(meta, "magics_language")) return pythonStr(meta.magics_language);
  const info = notebookMetadata.language_info;
  if (isRecord(info) && Object.hasOwn(info, "name")) return pythonStr(info.name);
  return "";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
