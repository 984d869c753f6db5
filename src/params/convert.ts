import type { Declared } from "./declared.js";
import type { GivenValue } from "./values.js";

/** A value that does not fit its default's type; the caller names the notebook. */
export class ParameterValueError extends Error {
  override name = "ParameterValueError";
}

function describe(given: GivenValue): string {
  return given.kind === "text" ? `"${given.text}"` : JSON.stringify(given.value);
}

/**
 * The value to inject. Text from the command line takes the default's type (`-p clientId=123`
 * stays a string when the default is a string); where the default has no such type, text that
 * parses as JSON is that JSON, other text a string, as papermill's `-p` does. JSON values (a
 * params file, a variant) are taken as they are, but must fit a string, number or boolean default.
 */
export function convertValue(name: string, given: GivenValue, declared: Declared | undefined): unknown {
  const kind = declared?.kind ?? "json";
  const misfit = (): ParameterValueError =>
    new ParameterValueError(`parameter ${name}: ${describe(given)} is not a ${kind}, as its default (${declared?.type}) is`);
  if (given.kind === "json") {
    if (kind !== "json" && typeof given.value !== kind) throw misfit();
    return given.value;
  }
  const text = given.text;
  switch (kind) {
    case "string":
      return text;
    case "number": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw misfit();
      return n;
    }
    case "boolean":
      if (text === "true" || text === "false") return text === "true";
      throw misfit();
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
  }
}

/** The type an injected value is declared with when the notebook declares no default for it. */
export function typeOfValue(value: unknown): string {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return typeof value;
    default:
      return "any";
  }
}
