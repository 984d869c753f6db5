import type { ICell, ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { convertValue, ParameterValueError, typeOfValue } from "./convert.js";
import { notebookDeclarations, ParametersCellError } from "./declared.js";
import type { GivenParameters } from "./values.js";

export const INJECTED_TAG = "injected-parameters";

/** A parameter problem in one notebook: exit 2, nothing run. `cell` is 1-based when a cell is to blame. */
export class ParameterError extends Error {
  override name = "ParameterError";
  constructor(message: string, readonly cell?: number) {
    super(message);
  }
}

export interface Injected {
  name: string;
  type: string;
  value: unknown;
}

/** A double-quoted literal on one line: the line separators, which nbformat splits source lines at, escaped too. */
function stringLiteral(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The injected cell's source: each name redeclared with its value as a JSON text that
 * JSON.parse reads back. The value is only ever a string literal here, never code: quotes,
 * backticks and `${…}` in it stay characters, and a `"__proto__"` key stays a key (an object
 * literal would make it the prototype). The type is the default's widened type, since tslab
 * compiles the cell: a literal type (`"../keys"`) would reject any other value.
 */
export function injectedSource(values: readonly Injected[]): string {
  const lines = values.map((v) => `const ${v.name}: ${v.type} = JSON.parse(${stringLiteral(JSON.stringify(v.value))});`);
  return ["// Parameters injected by the build", ...lines].join("\n");
}

const hasTag = (cell: ICell, tag: string): boolean => {
  const tags = (cell.metadata as { tags?: unknown }).tags;
  return Array.isArray(tags) && tags.includes(tag);
};

/**
 * The notebook with a cell tagged `injected-parameters` right after its `parameters` cell (or
 * first, without one), as papermill places it; an injected cell from an earlier run is replaced.
 * A name the parameters cell does not declare is refused unless `allowUndeclared`.
 * Returns a new notebook; the given one is not changed.
 */
export function injectParameters(nb: INotebookContent, given: GivenParameters, options: { allowUndeclared?: boolean } = {}): { notebook: INotebookContent; injected: Injected[] } {
  const notebook = structuredClone(nb);
  notebook.cells = notebook.cells.filter((c) => !hasTag(c, INJECTED_TAG));
  let found: ReturnType<typeof notebookDeclarations>;
  try {
    found = notebookDeclarations(notebook);
  } catch (e) {
    if (!(e instanceof ParametersCellError)) throw e;
    const index = nb.cells.findIndex((c) => c.cell_type === "code" && hasTag(c, "parameters"));
    throw new ParameterError(`parameters cell: ${e.message}`, index + 1);
  }
  const { index, declared } = found;
  const undeclared = [...given.keys()].filter((name) => !declared.has(name));
  if (undeclared.length > 0 && !options.allowUndeclared) {
    const known = declared.size > 0 ? `it declares ${[...declared.keys()].join(", ")}` : "it has no cell tagged \"parameters\"";
    throw new ParameterError(`the notebook does not declare the parameter${undeclared.length > 1 ? "s" : ""} ${undeclared.join(", ")} (${known}); --allow-undeclared injects it anyway`);
  }
  const injected: Injected[] = [];
  for (const [name, value] of given) {
    const decl = declared.get(name);
    let converted: unknown;
    try {
      converted = convertValue(name, value, decl);
    } catch (e) {
      if (e instanceof ParameterValueError) throw new ParameterError(e.message);
      throw e;
    }
    injected.push({ name, type: decl?.type ?? typeOfValue(converted), value: converted });
  }
  const cell: ICodeCell = {
    cell_type: "code",
    execution_count: null,
    metadata: { tags: [INJECTED_TAG] },
    outputs: [],
    source: injectedSource(injected),
  };
  // Cell ids exist from nbformat 4.5 on; this one is the same on every run.
  if ((notebook.nbformat_minor ?? 0) >= 5 && notebook.nbformat >= 4) cell.id = INJECTED_TAG;
  notebook.cells.splice(index === undefined ? 0 : index + 1, 0, cell);
  return { notebook, injected };
}
