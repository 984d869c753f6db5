import { BoundedReadError, readBounded } from "../io/read-bounded.js";
import { DocsError } from "../errors.js";

/**
 * A parameter as the user gave it: the text of `-p name=value`, whose type the notebook's
 * default decides, or a JSON value from `--params-file` or a variant, already typed.
 */
export type GivenValue = { kind: "text"; text: string } | { kind: "json"; value: unknown };

/** Parameters by name, in the order given; a later one replaces an earlier one of the same name. */
export type GivenParameters = Map<string, GivenValue>;

const NAME = /^[A-Za-z_$][\w$]*$/;

function checkName(name: string, where: string): void {
  if (!NAME.test(name)) throw new DocsError("ERR_USAGE", `${where}: "${name}" is not a TypeScript identifier`);
}

/** `-p name=value` arguments; the value is everything after the first "=". */
export function parseParameterArguments(args: readonly string[]): GivenParameters {
  const out: GivenParameters = new Map();
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new DocsError("ERR_USAGE", `-p ${arg}: expected name=value`);
    const name = arg.slice(0, eq);
    checkName(name, `-p ${arg}`);
    out.set(name, { kind: "text", text: arg.slice(eq + 1) });
  }
  return out;
}

/** A JSON object of name → value, as in `--params-file` or a variant's entry in the notebook's metadata. */
export function parametersFromObject(value: unknown, where: string): GivenParameters {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DocsError("ERR_USAGE", `${where}: expected a JSON object of parameter names and values`);
  }
  const out: GivenParameters = new Map();
  for (const [name, v] of Object.entries(value)) {
    checkName(name, where);
    out.set(name, { kind: "json", value: v });
  }
  return out;
}

/** Parameters are a few values; a file past this is surely not a parameters file. */
export const MAX_PARAMS_FILE_BYTES = 16 * 1024 * 1024;

export async function readParametersFile(path: string): Promise<GivenParameters> {
  let text: string;
  try {
    // A regular file of at most 16 MiB: a FIFO or a device is refused at once, never waited on.
    text = (await readBounded(path, MAX_PARAMS_FILE_BYTES)).toString("utf8");
  } catch (e) {
    throw new DocsError("ERR_USAGE", `--params-file ${path}: cannot read (${e instanceof BoundedReadError ? e.reason : (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DocsError("ERR_USAGE", `--params-file ${path}: not JSON (${(e as Error).message})`);
  }
  return parametersFromObject(value, `--params-file ${path}`);
}

/** The file's values, then the command line's over them. */
export function mergeParameters(...sets: GivenParameters[]): GivenParameters {
  const out: GivenParameters = new Map();
  for (const set of sets) for (const [name, value] of set) out.set(name, value);
  return out;
}
