import assert from "node:assert/strict";
import { readFile, rm, writeFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { notebookJson, ProjectCopy, type RunResult } from "../support/project-copy.js";

// Parameters from the command line and variants from the notebook's metadata, end to end with
// real tslab kernels in a copy of the project. Each build runs once; the tests read its results.

/** Text meant to break out of a string: quotes, backticks, a template substitution, a backslash, a newline. */
const HOSTILE = 'it\'s "quoted" `tick` ${process.exit(3)} \\ \n end';

const PARAMETERS = [
  'const s: string = "default";',
  "const n = 1;",
  "const b = false;",
  "const z: null | number = 0;",
  "const arr: number[] = [];",
  "const obj: Record<string, unknown> = {};",
  'const q: string = "";',
].join("\n");
// Properties spelled out: tslab does not resolve shorthand properties to an earlier cell's names.
const REPORT = "console.log(JSON.stringify({ s: s, n: n, b: b, z: z, arr: arr, obj: obj, q: q, own: Object.keys(obj), proto: Object.getPrototypeOf(obj) === Object.prototype }));";

const notebook = notebookJson([{ source: PARAMETERS, tags: ["parameters"] }, REPORT]);

function printed(nb: INotebookContent): Record<string, unknown> {
  const cell = nb.cells.find((c) => c.cell_type === "code" && String(c.source) === REPORT) as ICodeCell;
  const text = cell.outputs.map((o) => (Array.isArray(o.text) ? o.text.join("") : String(o.text ?? ""))).join("");
  return JSON.parse(text) as Record<string, unknown>;
}

describe("a notebook run with -p parameters", () => {
  let copy: ProjectCopy;
  let run: RunResult;
  let executed: INotebookContent;

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/p.ipynb", notebook);
    run = await copy.run([
      "-p", "s=123",
      "-p", "n=42",
      "-p", "b=true",
      "-p", "z=null",
      "-p", "arr=[1, 2.5, -3]",
      "-p", 'obj={"__proto__": {"polluted": true}, "k": [null, {"x": "y"}]}',
      "-p", `q=${HOSTILE}`,
      "--out-dir", "out",
      "notebooks/p.ipynb",
    ]);
    executed = JSON.parse(await copy.read("out", "p.ipynb")) as INotebookContent;
  });
  after(async () => copy.dispose());

  test("the run succeeds and writes the executed notebook and its pages to --out-dir", async () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const file of ["p.md", "p.html"]) assert.ok((await copy.read("out", file)).length > 0, file);
  });

  test("the injected cell is tagged injected-parameters and comes right after the parameters cell", () => {
    const tags = executed.cells.map((c) => (c.metadata as { tags?: string[] }).tags ?? []);
    assert.deepEqual(tags, [["parameters"], ["injected-parameters"], []]);
  });

  test("every JSON type reaches the cell's output with the default's type", () => {
    const out = printed(executed);
    assert.deepEqual(
      { s: out.s, n: out.n, b: out.b, z: out.z, arr: out.arr },
      { s: "123", n: 42, b: true, z: null, arr: [1, 2.5, -3] },
    );
  });

  test("an object's __proto__ key stays a key, not a prototype", () => {
    const out = printed(executed);
    assert.deepEqual(out.own, ["__proto__", "k"]);
    assert.equal(out.proto, true);
    assert.deepEqual(out.obj, { ["__proto__"]: { polluted: true }, k: [null, { x: "y" }] });
  });

  test("a string full of quotes, backticks and ${…} stays that string", () => {
    assert.equal(printed(executed).q, HOSTILE);
  });

  test("the source notebook is not modified", async () => {
    assert.equal(await copy.read("notebooks", "p.ipynb"), notebook);
  });
});

describe("parameters refused before anything runs", () => {
  let copy: ProjectCopy;
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/p.ipynb", notebook);
  });
  after(async () => copy.dispose());

  test("a parameter the notebook does not declare: exit 2, naming it", async () => {
    const run = await copy.run(["-p", "nope=1", "--out-dir", "out", "notebooks/p.ipynb"]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /notebooks\/p\.ipynb: the notebook does not declare the parameter nope \(it declares s, n, b, z, arr, obj, q\)/);
  });

  test("a value that does not fit its default's type: exit 2", async () => {
    const run = await copy.run(["-p", "n=many", "--out-dir", "out", "notebooks/p.ipynb"]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /parameter n: "many" is not a number/);
  });

  test("parameters without --out-dir, or without a notebook named: exit 2", async () => {
    const noOut = await copy.run(["-p", "s=x", "notebooks/p.ipynb"]);
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /--out-dir DIR, which is required/);
    const noNotebook = await copy.run(["-p", "s=x", "--out-dir", "out"]);
    assert.equal(noNotebook.code, 2);
    assert.match(noNotebook.stderr, /notebooks named on the command line/);
    assert.equal(await copy.read("notebooks", "p.ipynb"), notebook);
  });
});

describe("other usage errors of parameters and keys", () => {
  let copy: ProjectCopy;
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/p.ipynb", notebook);
  });
  after(async () => copy.dispose());

  test("--params-file with a name the notebook does not declare: exit 2, naming it", async () => {
    await copy.write("values.json", JSON.stringify({ s: "ok", clientId: "x" }));
    const run = await copy.run(["--params-file", "values.json", "--out-dir", "out", "notebooks/p.ipynb"]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /does not declare the parameter clientId/);
  });

  test("--keys naming no folder: exit 2", async () => {
    const run = await copy.run(["--keys", "nowhere", "notebooks/p.ipynb"]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /--keys nowhere: not a folder/);
  });
});

describe("a notebook with a variant in its metadata", () => {
  let copy: ProjectCopy;
  let first: RunResult;
  const withVariant = (value: string): string => notebookJson([{ source: PARAMETERS, tags: ["parameters"] }, REPORT], { docs: { variants: { other: { s: value } }, variant_titles: { other: "the other one" } } });

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/v.ipynb", withVariant("from the variant"));
    first = await copy.run([]);
  });
  after(async () => copy.dispose());

  test("renders docs/<name>.<variant>.md and .html beside the default page", async () => {
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(await copy.read("docs", "v.md"), /"s":"default"/);
    assert.match(await copy.read("docs", "v.other.md"), /"s":"from the variant"/);
    assert.match(await copy.read("docs", "v.other.html"), /from the variant/);
  });

  test("keeps the variant's outputs out of the notebook", async () => {
    const nb = await copy.read("notebooks", "v.ipynb");
    assert.doesNotMatch(nb, /from the variant"?\\n|injected-parameters/);
    assert.match(nb, /\\"s\\":\\"default\\"/);
  });

  test("the index links the variant by its title under the notebook's page", async () => {
    assert.match(await copy.read("docs", "index.html"), /<p class="variants">Also: <a href="v\.other\.html">the other one<\/a><\/p>/);
  });

  test("a second build is a no-op from the cache", async () => {
    const again = await copy.run([]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.match(/unchanged \(cached\)/g)?.length, 2, again.stdout);
  });

  test("--check fails naming a variant page that is stale", async () => {
    const page = copy.path("docs", "v.other.md");
    const original = await readFile(page, "utf8");
    await writeFile(page, original.replace("from the variant", "edited by hand"));
    try {
      const check = await copy.run(["--check"]);
      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.match(check.stdout, /--- a\/docs\/v\.other\.md/);
      assert.doesNotMatch(check.stdout, /--- a\/docs\/v\.md/);
    } finally {
      await writeFile(page, original);
    }
  });

  test("--no-execute renders a variant from its committed page, or says it cannot", async () => {
    await rm(copy.path("docs", "v.other.html"));
    const rendered = await copy.run(["--no-execute"]);
    assert.equal(rendered.code, 0, rendered.stdout + rendered.stderr);
    assert.match(await copy.read("docs", "v.other.html"), /from the variant/);

    await rm(copy.path("docs", "v.other.md"));
    const cannot = await copy.run(["--no-execute"]);
    assert.equal(cannot.code, 1, cannot.stdout + cannot.stderr);
    assert.match(cannot.stderr, /notebooks\/v\.ipynb \[other\]: cannot render variant "other" without executing it: there is no committed page docs\/v\.other\.md/);
  });

  test("new values in the variant run it again (the cache key includes the parameters)", async () => {
    await copy.write("notebooks/v.ipynb", withVariant("changed"));
    const run = await copy.run([]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /v\.ipynb \[other\] .* executed/);
    assert.match(await copy.read("docs", "v.other.md"), /"s":"changed"/);
  });

  test("a new metadata.title, prose or tag in the notebook makes the variant's page stale too: --check says so, a build renders it", async () => {
    const nb = JSON.parse(await copy.read("notebooks", "v.ipynb")) as { metadata: Record<string, unknown> };
    nb.metadata.title = "Retitled";
    await copy.write("notebooks/v.ipynb", JSON.stringify(nb, null, 1) + "\n");
    const check = await copy.run(["--check"]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /--- a\/docs\/v\.other\.html/);
    const run = await copy.run([]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(await copy.read("docs", "v.other.html"), /<title>Retitled<\/title>/);
    assert.match(await copy.read("docs", "v.html"), /<title>Retitled<\/title>/);
  });
});
