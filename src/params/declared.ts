import type { ICell, INotebookContent } from "@jupyterlab/nbformat";
import ts from "typescript";
import { joinMultiline } from "../tokens/output-text.js";

/** How a value from the command line is read for this default: its text kept, as a number or boolean, or as JSON. */
export type DefaultKind = "string" | "number" | "boolean" | "json";

export interface Declared {
  name: string;
  /** The default's declared type, or its initialiser's type widened (`"../keys"` → `string`). */
  type: string;
  kind: DefaultKind;
}

export const PARAMETERS_TAG = "parameters";

const tagsOf = (cell: ICell): unknown[] => {
  const tags = (cell.metadata as { tags?: unknown }).tags;
  return Array.isArray(tags) ? tags : [];
};

/** Index of the first code cell tagged `parameters`, as papermill finds it. */
export function parametersCellIndex(nb: INotebookContent): number | undefined {
  const i = nb.cells.findIndex((c) => c.cell_type === "code" && tagsOf(c).includes(PARAMETERS_TAG));
  return i < 0 ? undefined : i;
}

/** Why the parameters cell cannot be read; the caller names the notebook and cell. */
export class ParametersCellError extends Error {
  override name = "ParametersCellError";
}

const FILE = "parameters.ts";

function kindOf(type: ts.Type): DefaultKind {
  const parts = type.isUnion() ? type.types : [type];
  const all = (flags: ts.TypeFlags): boolean => parts.every((t) => (t.flags & flags) !== 0);
  if (all(ts.TypeFlags.StringLike)) return "string";
  if (all(ts.TypeFlags.NumberLike)) return "number";
  if (all(ts.TypeFlags.BooleanLike)) return "boolean";
  return "json";
}

/**
 * The names a parameters cell declares, with the type each default has. The cell must hold
 * value declarations only (`const name = value;`): anything else would run before the injected
 * values and could not be overridden. The types come from TypeScript's own checker, so
 * `["a", 1]` gives `(string | number)[]` as tslab would see it.
 */
export function readDeclarations(source: string): Map<string, Declared> {
  const file = ts.createSourceFile(FILE, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) {
      const line = file.getLineAndCharacterOfPosition(statement.getStart(file)).line + 1;
      throw new ParametersCellError(`line ${line} is not a declaration: a parameters cell holds value declarations only (const name = value;)`);
    }
  }
  const options: ts.CompilerOptions = { strict: true, noEmit: true, types: [], lib: ["lib.es5.d.ts"], target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError) => (name === FILE ? file : getSourceFile(name, language, onError));
  const checker = ts.createProgram({ rootNames: [FILE], options, host }).getTypeChecker();

  const declared = new Map<string, Declared>();
  for (const statement of file.statements as ts.NodeArray<ts.VariableStatement>) {
    for (const decl of statement.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name)) {
        throw new ParametersCellError(`"${decl.name.getText(file)}": declare each parameter by name, without destructuring`);
      }
      if (decl.initializer === undefined) throw new ParametersCellError(`${decl.name.text} has no default value`);
      const type = checker.getBaseTypeOfLiteralType(checker.getTypeAtLocation(decl.name));
      const written = decl.type ? decl.type.getText(file) : checker.typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation);
      // null, undefined or an unknown identifier as the default say nothing about the values to expect.
      const vague = (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Null | ts.TypeFlags.Undefined)) !== 0;
      declared.set(decl.name.text, { name: decl.name.text, type: vague && !decl.type ? "any" : written, kind: vague ? "json" : kindOf(type) });
    }
  }
  return declared;
}

/** The parameters cell's declarations, or none when the notebook has no such cell. */
export function notebookDeclarations(nb: INotebookContent): { index: number | undefined; declared: Map<string, Declared> } {
  const index = parametersCellIndex(nb);
  if (index === undefined) return { index, declared: new Map() };
  return { index, declared: readDeclarations(joinMultiline(nb.cells[index]!.source)) };
}
