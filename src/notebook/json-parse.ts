/**
 * JSON parsing that accepts what Python's `json.loads` accepts (JSON plus NaN,
 * Infinity, -Infinity) and remembers number texts a JS number cannot carry
 * (see json-numbers.ts), so a notebook read here is written back as nbformat would.
 */
import { forgetNumberText, pythonTextOfLexeme, rememberNumberText } from "./json-numbers.js";

export class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${reason} at offset ${offset}`);
    this.name = "JsonSyntaxError";
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_STRING = /"[^"\\\u0000-\u001f]*"/y;
const STRING_SPECIAL = /["\\\u0000-\u001f]/g;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

export function parsePythonJson(text: string): JsonValue {
  const p = new Parser(text);
  p.skipWhitespace();
  const value = p.value(undefined, 0);
  p.skipWhitespace();
  if (p.pos < text.length) throw new JsonSyntaxError(p.pos, "unexpected text after the JSON value");
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    WHITESPACE.lastIndex = this.pos;
    WHITESPACE.test(this.text);
    this.pos = WHITESPACE.lastIndex;
  }

  /** Parses the value at pos; `container`/`slot` say where it will be stored. */
  value(container: object | undefined, slot: string | number): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      case "N":
        return this.literal("NaN", NaN);
      case "I":
        return this.literal("Infinity", Infinity);
      case undefined:
        throw new JsonSyntaxError(this.pos, "unexpected end of JSON input");
      default:
        if (c === "-" && this.text.startsWith("-Infinity", this.pos)) return this.literal("-Infinity", -Infinity);
        return this.number(container, slot);
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw new JsonSyntaxError(this.pos, "unexpected character");
    this.pos += word.length;
    return value;
  }

  private number(container: object | undefined, slot: string | number): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) throw new JsonSyntaxError(this.pos, "unexpected character");
    this.pos = NUMBER.lastIndex;
    const value = Number(m[0]);
    const text = pythonTextOfLexeme(m[0], value);
    if (text !== undefined && container) rememberNumberText(container, slot, value, text);
    return value;
  }

  private string(): string {
    const start = this.pos;
    PLAIN_STRING.lastIndex = start;
    if (PLAIN_STRING.test(this.text)) {
      this.pos = PLAIN_STRING.lastIndex;
      return this.text.slice(start + 1, this.pos - 1);
    }
    // Escapes present (or an error): walk to the closing quote, then let JSON.parse decode.
    let at = start + 1;
    for (;;) {
      STRING_SPECIAL.lastIndex = at;
      const m = STRING_SPECIAL.exec(this.text);
      if (!m) throw new JsonSyntaxError(this.text.length, "unterminated string");
      if (m[0] === '"') {
        this.pos = m.index + 1;
        return JSON.parse(this.text.slice(start, this.pos)) as string;
      }
      if (m[0] !== "\\") throw new JsonSyntaxError(m.index, "control character in string");
      ESCAPE.lastIndex = m.index;
      if (!ESCAPE.test(this.text)) throw new JsonSyntaxError(m.index, "invalid escape in string");
      at = ESCAPE.lastIndex;
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value(out, out.length));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") throw new JsonSyntaxError(this.pos - 1, "expected ',' or ']'");
    }
  }

  private object(): { [key: string]: JsonValue } {
    const out: { [key: string]: JsonValue } = {};
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') throw new JsonSyntaxError(this.pos, "expected a double-quoted property name");
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") throw new JsonSyntaxError(this.pos, "expected ':'");
      this.pos++;
      this.skipWhitespace();
      if (Object.hasOwn(out, key)) forgetNumberText(out, key);
      const v = this.value(out, key);
      // A key named __proto__ is data, as with JSON.parse.
      if (key === "__proto__") Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
      else out[key] = v;
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") throw new JsonSyntaxError(this.pos - 1, "expected ',' or '}'");
    }
  }
}
