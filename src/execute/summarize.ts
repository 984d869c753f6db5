import stripAnsi from "strip-ansi";
import type { ICell, IOutput } from "@jupyterlab/nbformat";
import { joinText } from "../kernel/to-output.js";

const ERROR_LINE = /^(?:[A-Z][\w$]*(?:Error|Exception)|Error|UnhandledPromiseRejection|UncaughtException)\b[^\n]*/m;

/** All error text a cell produced: its stderr streams and error outputs, ANSI removed. */
export function errorText(outputs: readonly IOutput[]): string {
  const parts: string[] = [];
  for (const output of outputs) {
    if (output.output_type === "stream" && output.name === "stderr") parts.push(joinText(output.text as string | string[]));
    if (output.output_type === "error") parts.push([`${output.ename}: ${output.evalue}`, ...(output.traceback as string[])].join("\n"));
  }
  return stripAnsi(parts.join(""));
}

/** The one line that says what went wrong, from the error text of a cell. */
export function summarizeError(text: string): string {
  const error = ERROR_LINE.exec(text);
  if (error) return error[0].trim();
  const first = text.split("\n").find((line) => line.trim() !== "");
  return first?.trim() ?? "the kernel reported an error without a message";
}

/**
 * A line of a cell, shortened, to recognise the cell in a message: the given line (where the
 * kernel's profile found the error), else the first non-blank one.
 */
export function preview(cell: ICell, at?: number, width = 60): string {
  const lines = joinText(cell.source).split("\n");
  const line = ((at === undefined ? undefined : lines[at - 1]) ?? lines.find((l) => l.trim() !== "") ?? "").trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
