/**
 * Reading .ipynb files: parse, check that it is an nbformat 4 notebook, keep the
 * data exactly as stored (lists of lines stay lists; see serialize.ts for writing).
 */
import { readFile } from "node:fs/promises";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { JsonSyntaxError, parsePythonJson, type JsonValue } from "./json-parse.js";
import { isOldNotebook, upgradeNotebook } from "./upgrade.js";

export class NotebookReadError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = "NotebookReadError";
  }
}

export async function readNotebook(path: string): Promise<INotebookContent> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new NotebookReadError(path, `${path}: cannot read: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new NotebookReadError(path, `${path}: not valid UTF-8`);
  }
  return parseNotebook(text, path);
}

export function parseNotebook(text: string, path: string): INotebookContent {
  let value: JsonValue;
  try {
    value = parsePythonJson(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    throw jsonError(text, path, err);
  }
  if (isOldNotebook(value)) {
    const upgraded = upgradeNotebook(value);
    if (typeof upgraded === "string") throw new NotebookReadError(path, `${path}: nbformat ${String(value.nbformat)} notebook cannot be read: ${upgraded}`);
    value = upgraded;
  }
  const problem = notebookProblem(value);
  if (problem) throw new NotebookReadError(path, `${path}${problem}`);
  return value as unknown as INotebookContent;
}

/** Names the file, line:column and V8's description of a JSON syntax error. */
function jsonError(text: string, path: string, err: JsonSyntaxError): NotebookReadError {
  let reason = err.reason;
  let offset = err.offset;
  if (text.charCodeAt(0) === 0xfeff) {
    reason = "the file starts with a byte order mark (save it as UTF-8 without BOM)";
    offset = 0;
  } else {
    try {
      JSON.parse(text);
    } catch (v8) {
      const message = (v8 as Error).message;
      const at = /at position (\d+)/.exec(message);
      if (at) offset = Number(at[1]);
      else if (/^Unexpected end of JSON input/.test(message)) offset = text.length;
      // Drop V8's echo of the input and the raw offset; line:column replaces it.
      reason = message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, "").replace(/ in JSON at position \d+.*$/s, "");
    }
  }
  const { line, column } = lineColumn(text, offset);
  return new NotebookReadError(path, `${path}:${line}:${column}: invalid JSON: ${reason}`);
}

/** 1-based line and column (in characters) of a UTF-16 offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  const line = before.split("\n").length;
  return { line, column: [...before.slice(lineStart)].length + 1 };
}

const CELL_TYPES = new Set(["code", "markdown", "raw"]);
const OUTPUT_TYPES = new Set(["stream", "display_data", "execute_result", "error"]);

/** What makes `value` not an nbformat 4 notebook (prefixed ": " or ", cell N: "), or undefined. */
function notebookProblem(value: JsonValue): string | undefined {
  if (!isRecord(value)) return ": not a notebook (the JSON is not an object)";
  if (value.nbformat !== 4) {
    return value.nbformat === undefined
      ? ': not a notebook (no "nbformat" field)'
      : `: nbformat ${JSON.stringify(value.nbformat)} is not supported (expected 2, 3 or 4)`;
  }
  if (typeof value.nbformat_minor !== "number") return ': "nbformat_minor" must be a number';
  if (!isRecord(value.metadata)) return ': "metadata" must be an object';
  if (!Array.isArray(value.cells)) return ': "cells" must be an array';
  for (const [i, cell] of value.cells.entries()) {
    const problem = cellProblem(cell);
    if (problem) return `, cell ${i + 1}: ${problem}`;
  }
  return undefined;
}

function cellProblem(cell: JsonValue): string | undefined {
  if (!isRecord(cell)) return "not an object";
  if (typeof cell.cell_type !== "string" || !CELL_TYPES.has(cell.cell_type)) {
    return `cell_type must be "code", "markdown" or "raw" (found ${JSON.stringify(cell.cell_type ?? null)})`;
  }
  if (!isMultiline(cell.source)) return '"source" must be a string or a list of strings';
  if (!isRecord(cell.metadata)) return '"metadata" must be an object';
  if (cell.cell_type !== "code") return undefined;
  if (!Array.isArray(cell.outputs)) return 'code cell has no "outputs" list';
  for (const [j, output] of cell.outputs.entries()) {
    const problem = outputProblem(output);
    if (problem) return `output ${j + 1}: ${problem}`;
  }
  return undefined;
}

function outputProblem(output: JsonValue): string | undefined {
  if (!isRecord(output)) return "not an object";
  const type = output.output_type;
  if (typeof type !== "string" || !OUTPUT_TYPES.has(type)) {
    return `output_type must be "stream", "display_data", "execute_result" or "error" (found ${JSON.stringify(type ?? null)})`;
  }
  if (type === "stream") {
    if (typeof output.name !== "string") return 'stream output has no "name"';
    if (!isMultiline(output.text)) return 'stream "text" must be a string or a list of strings';
  } else if (type === "error") {
    if (!Array.isArray(output.traceback) || !output.traceback.every((l) => typeof l === "string")) {
      return 'error output "traceback" must be a list of strings';
    }
  } else {
    if (!isRecord(output.data)) return `${type} output has no "data" object`;
    if (!isRecord(output.metadata)) return `${type} output has no "metadata" object`;
  }
  return undefined;
}

function isMultiline(v: JsonValue | undefined): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string"));
}

function isRecord(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
