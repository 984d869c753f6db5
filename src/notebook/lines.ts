/** Multi-line strings as nbformat stores them: one string, or a list of lines. */
import type { MultilineString } from "@jupyterlab/nbformat";

/** The text of a stored multi-line string. */
export function joinLines(value: MultilineString): string {
  return Array.isArray(value) ? value.join("") : value;
}

// Python's str.splitlines() line boundaries: \r\n, \n, \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029.
const LINE = /[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])?/g;

/** Python's `text.splitlines(True)`: lines with their endings; "" gives []. */
export function splitLinesKeepEnds(text: string): string[] {
  const lines: string[] = [];
  LINE.lastIndex = 0;
  while (LINE.lastIndex < text.length) {
    const m = LINE.exec(text);
    if (!m || m[0] === "") break;
    lines.push(m[0]);
  }
  return lines;
}
