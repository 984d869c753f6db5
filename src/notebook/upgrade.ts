/**
 * nbformat 2 and 3 notebooks upgraded to nbformat 4 on read, as nbformat's own converter does
 * (nbformat/v4/convert.py `upgrade`, after v3's `upgrade` from v2), so they render as nbconvert
 * renders them, and an executed one is written back as nbformat 4. Two differences, both so that
 * the same input gives the same bytes: no random cell ids (the result is nbformat 4.4, which has
 * none), and no `orig_nbformat` in the metadata (nbformat's writer strips it anyway).
 */
import type { JsonValue } from "./json-parse.js";
import { copyNumberTexts } from "./json-numbers.js";

type JsonObject = { [key: string]: JsonValue };

/** nbformat 3's short output keys and the mime types nbformat 4 uses for them. */
const MIME_OF: ReadonlyArray<readonly [string, string]> = [
  ["text", "text/plain"],
  ["html", "text/html"],
  ["svg", "image/svg+xml"],
  ["png", "image/png"],
  ["jpeg", "image/jpeg"],
  ["latex", "text/latex"],
  ["json", "application/json"],
  ["javascript", "application/javascript"],
];
/** Output members nbformat 3 may store as lists of lines (v3 `rejoin_lines` joins them). */
const MULTILINE = new Set(["text", "html", "svg", "latex", "javascript", "json"]);

const isRecord = (v: JsonValue | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
/**
 * nbformat 2/3's `_join_lines`: lists written by `splitlines(True)` join as they are, lists
 * written by `splitlines()` (older files, lines without their ends) join with newlines.
 */
function joined(v: JsonValue | undefined): JsonValue | undefined {
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === "string")) return v;
  return v.length > 0 && /[\n\r]$/.test(v[0]!) ? v.join("") : v.join("\n");
}

/** The metadata objects of notebooks this module upgraded: what they were is known by identity. */
const upgradedMetadata = new WeakSet<object>();

/** Whether the notebook was read from nbformat 2 or 3 (by this process's reader). */
export function wasUpgraded(nb: { metadata?: unknown }): boolean {
  return typeof nb.metadata === "object" && nb.metadata !== null && upgradedMetadata.has(nb.metadata);
}

/** Whether the value declares nbformat 2 or 3. */
export function isOldNotebook(value: JsonValue): value is JsonObject {
  return isRecord(value) && (value.nbformat === 2 || value.nbformat === 3);
}

/**
 * The nbformat 4 form of an nbformat 2 or 3 notebook; a string says why it cannot be upgraded
 * (where nbformat's converter would fail too).
 */
export function upgradeNotebook(nb: JsonObject): JsonObject | string {
  if (!isRecord(nb.metadata)) return '"metadata" must be an object';
  if (!Array.isArray(nb.worksheets)) return '"worksheets" must be a list';
  const cells: JsonValue[] = [];
  // Several worksheets (never seen in practice) are flattened into one list, as nbformat does.
  for (const [w, sheet] of nb.worksheets.entries()) {
    if (!isRecord(sheet) || !Array.isArray(sheet.cells)) return `worksheet ${w + 1} has no "cells" list`;
    for (const cell of sheet.cells) {
      if (!isRecord(cell)) return `cell ${cells.length + 1}: not an object`;
      const upgraded = upgradeCell(cell);
      if (typeof upgraded === "string") return `cell ${cells.length + 1}: ${upgraded}`;
      cells.push(upgraded);
    }
  }
  const metadata: JsonObject = { ...nb.metadata };
  copyNumberTexts(nb.metadata, metadata);
  delete metadata.name;
  delete metadata.signature;
  upgradedMetadata.add(metadata);
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(nb)) if (key !== "worksheets" && key !== "orig_nbformat" && key !== "orig_nbformat_minor") result[key] = value;
  return { ...result, metadata, cells, nbformat: 4, nbformat_minor: 4 };
}

function upgradeCell(cell: JsonObject): JsonObject | string {
  const out: JsonObject = { ...cell };
  copyNumberTexts(cell, out);
  const metadata: JsonObject = isRecord(cell.metadata) ? { ...cell.metadata } : {};
  out.metadata = metadata;
  switch (cell.cell_type) {
    case "code": {
      delete out.language;
      if ("collapsed" in out) {
        metadata.collapsed = out.collapsed!;
        delete out.collapsed;
      }
      out.source = joined(cell.input) ?? "";
      delete out.input;
      out.execution_count = cell.prompt_number ?? null;
      delete out.prompt_number;
      if (!Array.isArray(cell.outputs)) return 'code cell has no "outputs" list';
      const outputs: JsonValue[] = [];
      for (const output of cell.outputs) {
        if (!isRecord(output)) return "an output is not an object";
        outputs.push(upgradeOutput(output));
      }
      out.outputs = outputs;
      return out;
    }
    case "heading": {
      const level = typeof cell.level === "number" ? cell.level : 1;
      delete out.level;
      out.cell_type = "markdown";
      const source = String(joined(cell.source) ?? "");
      out.source = `${"#".repeat(level)} ${source.split(/\r\n|\r|\n/).filter((l, i, all) => l !== "" || i < all.length - 1).join(" ")}`;
      return out;
    }
    case "html":
      out.cell_type = "markdown";
      out.source = joined(cell.source) ?? "";
      return out;
    default:
      out.source = joined(cell.source) ?? "";
      return out;
  }
}

function upgradeOutput(output: JsonObject): JsonObject {
  const type = output.output_type;
  if (type === "pyout" || type === "display_data") {
    const result: JsonObject = { output_type: type === "pyout" ? "execute_result" : "display_data" };
    if (type === "pyout") result.execution_count = output.prompt_number ?? null;
    const data: JsonObject = {};
    for (const [key, value] of Object.entries(output)) {
      if (key === "output_type" || key === "prompt_number" || key === "metadata") continue;
      data[key] = MULTILINE.has(key) ? joined(value)! : value;
    }
    const metadata: JsonObject = isRecord(output.metadata) ? { ...output.metadata } : {};
    result.data = toMimeKeys(data);
    result.metadata = toMimeKeys(metadata);
    const json = (result.data as JsonObject)["application/json"];
    if (typeof json === "string") {
      try {
        (result.data as JsonObject)["application/json"] = JSON.parse(json) as JsonValue;
      } catch {
        // nbformat would fail here; the string is kept and rendered as it is.
      }
    }
    return result;
  }
  if (type === "pyerr") return { ...output, output_type: "error" };
  if (type === "stream") {
    const result: JsonObject = { ...output, name: output.stream ?? "stdout", text: joined(output.text) ?? "" };
    delete result.stream;
    return result;
  }
  return output;
}

function toMimeKeys(d: JsonObject): JsonObject {
  for (const [alias, mime] of MIME_OF) {
    if (alias in d) {
      d[mime] = d[alias]!;
      delete d[alias];
    }
  }
  return d;
}
