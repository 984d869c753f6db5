/**
 * `json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False,
 * separators=(",", ": "))` — the layout nbformat writes notebooks in.
 */
import { pythonNumberText, rememberedNumberText } from "./json-numbers.js";

export function dumpPythonJson(value: unknown): string {
  const out: string[] = [];
  write(value, 0, out, undefined, "");
  return out.join("");
}

function write(value: unknown, level: number, out: string[], container: object | undefined, slot: string | number): void {
  if (value === null || value === undefined) {
    out.push("null");
  } else if (typeof value === "string") {
    // JSON.stringify escapes exactly what Python's encoder escapes when non-ASCII is kept.
    out.push(JSON.stringify(value));
  } else if (typeof value === "number") {
    out.push((container && rememberedNumberText(container, slot)) ?? pythonNumberText(value));
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push("[]");
      return;
    }
    const inner = "\n" + " ".repeat(level + 1);
    out.push("[");
    value.forEach((item: unknown, i) => {
      out.push(i === 0 ? inner : "," + inner);
      write(item, level + 1, out, value, i);
    });
    out.push("\n" + " ".repeat(level) + "]");
  } else if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort(compareCodePoints);
    if (keys.length === 0) {
      out.push("{}");
      return;
    }
    const inner = "\n" + " ".repeat(level + 1);
    out.push("{");
    keys.forEach((k, i) => {
      out.push((i === 0 ? inner : "," + inner) + JSON.stringify(k) + ": ");
      write(record[k], level + 1, out, record, k);
    });
    out.push("\n" + " ".repeat(level) + "}");
  } else {
    throw new TypeError(`cannot write a ${typeof value} as JSON`);
  }
}

/** Python orders str by code point; JS's default sort orders by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate (part of a code point above U+FFFF) sorts after any other BMP unit.
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
