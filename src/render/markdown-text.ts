/**
 * Text filters with the exact semantics of the Python functions nbconvert's markdown
 * template applies. Python's `^`, `$` and `.` treat only "\n" as a line break, unlike
 * JS regexps, so lines are split by hand here.
 */
import { pythonNumberText } from "../notebook/json-numbers.js";

const INDENT = "    ";

/** nbconvert's `indent` filter: four spaces before every line, not after a final newline. */
export function indent(text: string): string {
  const out = INDENT + text.split("\n").join("\n" + INDENT);
  return out.endsWith("\n" + INDENT) ? out.slice(0, -INDENT.length) : out;
}

/** nbconvert's `strip_ansi`: drops CSI escape sequences (ESC [ … final byte). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[^\n]*?[@-~]/g, "");
}

/** Python's `textwrap.dedent`. */
export function dedent(text: string): string {
  // Lines of only spaces and tabs become empty, whatever the margin.
  const lines = text.split("\n").map((line) => (/^[ \t]+$/.test(line) ? "" : line));
  let margin: string | undefined;
  for (const line of lines) {
    const lead = /^[ \t]*/.exec(line)![0];
    if (lead.length === line.length) continue; // empty line: no say in the margin
    if (margin === undefined || margin.startsWith(lead)) margin = lead;
    else if (!lead.startsWith(margin)) {
      let i = 0;
      while (i < margin.length && margin[i] === lead[i]) i++;
      margin = margin.slice(0, i);
    }
  }
  const m = margin ?? "";
  return m ? lines.map((line) => (line.startsWith(m) ? line.slice(m.length) : line)).join("\n") : lines.join("\n");
}

const URL_SAFE = /[A-Za-z0-9_.~-]/;

/** nbconvert's `path2url`: each path part quoted as Python's `urllib.parse.quote` does. */
export function pathToUrl(path: string): string {
  return path
    .split("/")
    .map((part) => {
      let out = "";
      for (const ch of part) {
        if (URL_SAFE.test(ch)) out += ch;
        else for (const b of Buffer.from(ch, "utf8")) out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
      }
      return out;
    })
    .join("/");
}

/** How Jinja prints a value into the template (Python's `str`). */
export function pythonStr(value: unknown): string {
  return typeof value === "string" ? value : pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pythonNumberText(value);
  if (typeof value === "string") return quoteRepr(value);
  if (Array.isArray(value)) return "[" + value.map(pythonRepr).join(", ") + "]";
  if (typeof value === "object") {
    const items = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${quoteRepr(k)}: ${pythonRepr(v)}`);
    return "{" + items.join(", ") + "}";
  }
  return String(value);
}

/** Python's repr of a str, for printable text (control characters escaped). */
function quoteRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === "\\" || ch === q) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch < " " || ch === "\x7f") out += "\\x" + ch.charCodeAt(0).toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + q;
}
