import assert from "node:assert/strict";
import { test } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { injectedSource, injectParameters, ParameterError } from "../../src/params/inject.js";

function notebook(cells: { source: string; tags?: string[] }[]): INotebookContent {
  return {
    cells: cells.map((c, i) => ({ cell_type: "code", execution_count: null, id: `c${i}`, metadata: c.tags ? { tags: c.tags } : {}, outputs: [], source: c.source })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const sources = (nb: INotebookContent): string[] => nb.cells.map((c) => String(c.source));

test("the injected cell goes right after the parameters cell, replacing an earlier one, and the input stays as it was", () => {
  const nb = notebook([{ source: "import x from 'y';" }, { source: 'const keysDir = "../keys";', tags: ["parameters"] }, { source: "old", tags: ["injected-parameters"] }, { source: "use(keysDir);" }]);
  const before = structuredClone(nb);
  const { notebook: out } = injectParameters(nb, new Map([["keysDir", { kind: "text", text: "../keys/spec" }]]));
  assert.deepEqual(nb, before);
  assert.deepEqual(sources(out), [
    "import x from 'y';",
    'const keysDir = "../keys";',
    '// Parameters injected by the build\nconst keysDir: string = JSON.parse("\\"../keys/spec\\"");',
    "use(keysDir);",
  ]);
  const injected = out.cells[2] as ICodeCell;
  assert.deepEqual(injected.metadata, { tags: ["injected-parameters"] });
  assert.equal(injected.id, "injected-parameters");
});

test("without a parameters cell the injected cell comes first, and an undeclared name needs --allow-undeclared", () => {
  const nb = notebook([{ source: "1" }]);
  const given = new Map([["extra", { kind: "text" as const, text: "[1]" }]]);
  assert.throws(() => injectParameters(nb, given), (e: unknown) => e instanceof ParameterError && /does not declare the parameter extra/.test(e.message));
  const { notebook: out } = injectParameters(nb, given, { allowUndeclared: true });
  assert.deepEqual(sources(out), ['// Parameters injected by the build\nconst extra: any = JSON.parse("[1]");', "1"]);
});

test("a bad parameters cell is refused naming its position", () => {
  const nb = notebook([{ source: "1" }, { source: "doSomething();", tags: ["parameters"] }]);
  assert.throws(() => injectParameters(nb, new Map()), (e: unknown) => e instanceof ParameterError && e.cell === 2);
});

test("values are written as string literals for JSON.parse, so code in them is only text", () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "s": "`${process.exit(1)}` \\"\\\\ \u2028"}') as Record<string, unknown>;
  const source = injectedSource([{ name: "v", type: "any", value }]);
  const literal = /JSON\.parse\((".*")\);$/.exec(source)?.[1];
  assert.ok(literal, source);
  assert.equal(source.split("\n").length, 2, "one line per value");
  // The argument is one double-quoted literal whose text is the JSON of the value.
  const parsed = JSON.parse(JSON.parse(literal) as string) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), ["__proto__", "s"]);
  assert.equal(parsed.s, value.s);
});
