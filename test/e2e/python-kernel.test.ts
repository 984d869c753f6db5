import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import { verifyToken } from "../../src/tokens/verify.js";
import { jupyterExecute } from "../support/jupyter-kernel.js";
import { nbconvertMarkdown, python } from "../support/nbconvert.js";
import { ProjectCopy, projectRoot, type RunResult } from "../support/project-copy.js";
import { commandWorks, hasNbconvert, prerequisite } from "../support/require.js";

// Python notebooks run on Debian's ipykernel, found through Jupyter's kernelspec folders, and
// must come out as `jupyter nbconvert --execute` writes them. The fixtures are built once: one
// project copy whose keys/ are the specification's published keys, one build of all notebooks.

const run = promisify(execFile);
const fixtures = join(projectRoot, "test", "fixtures", "python");
const published = JSON.parse(await readFile(join(projectRoot, "test", "fixtures", "spec", "published-tokens.json"), "utf8")) as {
  tokens: { RS384: string; ES384: string };
};
const ready = hasNbconvert() && commandWorks(python, ["-c", "import ipykernel, jose"]);
const TIMEOUT = { timeout: 600_000 };

const FAILING: Record<string, string> = {
  raises: 'print("before")\nraise ValueError("boom")',
  sleeps: "import time\ntime.sleep(120)",
  exits: "import os\nos._exit(3)",
};

/** An nbformat 3 notebook as IPython 3 wrote them, lines without their ends. */
const OLD_FORMAT = JSON.stringify({
  metadata: { name: "", kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  nbformat: 3,
  nbformat_minor: 0,
  worksheets: [{ cells: [{ cell_type: "code", collapsed: false, input: ["x = 6", "print(x * 7)"], language: "python", metadata: {}, outputs: [], prompt_number: null }], metadata: {} }],
});

let copy: ProjectCopy;
let build: RunResult;
/** every-output.ipynb as nbconvert --execute writes it, nbclient's timing metadata removed by nbformat itself. */
let theirs: Buffer;
let theirsPath: string;
let theirsDir: string | undefined;

describe("Python notebooks on ipykernel", { skip: !ready && process.env.CI !== "true" ? "Jupyter, ipykernel or python3-jose not installed" : false }, () => {
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false });
    await rm(copy.path("keys"), { recursive: true });
    await mkdir(copy.path("keys"));
    for (const name of await readdir(join(projectRoot, "keys", "spec"))) {
      if (name.endsWith(".json")) await copyFile(join(projectRoot, "keys", "spec", name), copy.path("keys", name));
    }
    for (const name of ["every-output", "spec-example"]) await copyFile(join(fixtures, `${name}.ipynb`), copy.path("notebooks", `${name}.ipynb`));
    await copy.write("notebooks/old-format.ipynb", OLD_FORMAT);
    for (const [name, code] of Object.entries(FAILING)) {
      await copy.write(`failing/${name}.ipynb`, pythonNotebook(['print("first cell")', code, 'print("never runs")']));
    }
    // nbconvert writes its copy outside the project: the build fails a run that adds files there.
    theirsDir = await mkdtemp(join(tmpdir(), "python-kernel-nbconvert-"));
    await copyFile(join(fixtures, "every-output.ipynb"), join(theirsDir, "every-output.ipynb"));
    const [ours, executed] = await Promise.all([
      copy.run([]),
      jupyterExecute(join(theirsDir, "every-output.ipynb"), join(theirsDir, "out"), process.env).then(([path]) => path!),
    ]);
    build = ours;
    theirsPath = executed;
    const strip = "import nbformat, sys\nnb = nbformat.read(sys.argv[1], 4)\nfor c in nb.cells: c.metadata.pop('execution', None)\nsys.stdout.write(nbformat.writes(nb) + '\\n')";
    theirs = Buffer.from((await run(python, ["-c", strip, theirsPath], { maxBuffer: 16 << 20 })).stdout, "utf8");
  }, TIMEOUT);
  after(async () => {
    await copy?.dispose();
    if (theirsDir) await rm(theirsDir, { recursive: true, force: true });
  });

  test("prerequisites: Jupyter, ipykernel and python-jose", (t) => {
    prerequisite(t, ready, "jupyter-nbconvert, python3-ipykernel and python3-jose (apt-get install jupyter-nbconvert python3-ipykernel python3-jose)");
  });

  test("the build succeeds, its checks verifying every token against the spec's keys", () => {
    assert.equal(build.code, 0, build.stdout + build.stderr);
    assert.match(build.stdout, /^ok {4}notebooks\/every-output\.ipynb {2}11 cells .* executed/m);
    assert.match(build.stdout, /^ok {4}notebooks\/spec-example\.ipynb {2}4 cells .* executed/m);
  });

  test("every output kind is written back byte for byte as nbconvert --execute writes it, timing metadata aside", async () => {
    const ours = await readFile(copy.path("notebooks", "every-output.ipynb"));
    assert.equal(ours.toString("utf8"), theirs.toString("utf8"));
    // What the comparison covers, so that it cannot pass on an empty notebook.
    const nb = JSON.parse(ours.toString("utf8")) as INotebookContent;
    const types = nb.cells.filter((c) => c.cell_type === "code").flatMap((c) => (c as ICodeCell).outputs.map((o) => o.output_type));
    for (const kind of ["stream", "execute_result", "display_data", "error"]) assert.ok(types.includes(kind), `${kind} in ${types.join(", ")}`);
    assert.match(ours.toString("utf8"), /"scale": 1\.0/, "a float from the kernel keeps its spelling");
    assert.equal((nb.metadata.language_info as { name?: string }).name, "python");
  });

  test("its Markdown and extracted image equal nbconvert's byte for byte, tracebacks not rewritten", async () => {
    const reference = (await nbconvertMarkdown([theirsPath], { removeTags: true })).get("every-output")!;
    const markdown = await readFile(copy.path("docs", "every-output.md"));
    assert.equal(markdown.toString("utf8"), reference.markdown.toString("utf8"));
    assert.ok(reference.files.size > 0, "the image is extracted");
    for (const [rel, content] of reference.files) assert.ok(content.equals(await readFile(copy.path("docs", rel))), rel);
    assert.match(markdown.toString("utf8"), /ValueError: expected failure/);
  });

  test("the spec's Python example prints the published RS384 token byte for byte, and an ES384 token that verifies", async () => {
    const nb = JSON.parse(await copy.read("notebooks", "spec-example.ipynb")) as INotebookContent;
    const result = (i: number): string => {
      const output = (nb.cells[i] as ICodeCell).outputs.find((o) => o.output_type === "execute_result")!;
      const text = (output.data as Record<string, string | string[]>)["text/plain"]!;
      return (Array.isArray(text) ? text.join("") : text).replace(/^'|'$/g, "");
    };
    assert.equal(result(2), published.tokens.RS384);
    const es384 = result(3);
    const signed = (token: string): string => token.slice(0, token.lastIndexOf("."));
    assert.equal(signed(es384), signed(published.tokens.ES384));
    const ring = await loadKeyRing(join(projectRoot, "keys", "spec"));
    assert.equal((await verifyToken(es384, ring)).ok, true);
  });

  test("an nbformat 3 notebook executes and is written back as nbformat 4, valid for nbformat", async () => {
    const written = await copy.read("notebooks", "old-format.ipynb");
    const nb = JSON.parse(written) as INotebookContent;
    assert.equal(nb.nbformat, 4);
    assert.deepEqual((nb.cells[0] as ICodeCell).outputs, [{ output_type: "stream", name: "stdout", text: ["42\n"] }]);
    const validate = "import nbformat, sys\nnbformat.validate(nbformat.read(sys.argv[1], 4))";
    await run(python, ["-c", validate, copy.path("notebooks", "old-format.ipynb")]);
    assert.match(await copy.read("docs", "old-format.md"), /^ {4}42$/m);
  });

  test("a Python error, a timeout and a dead kernel each fail their notebook, naming the cell", async () => {
    const result = await copy.run(["--timeout", "3", ...Object.keys(FAILING).map((n) => `failing/${n}.ipynb`)]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /^ {2}failing\/raises\.ipynb, cell 2: ValueError: boom \(print\("before"\)\)$/m);
    assert.match(result.stderr, /^ {2}failing\/sleeps\.ipynb, cell 2: timed out after 3 s; kernel killed /m);
    assert.match(result.stderr, /^ {2}failing\/exits\.ipynb, cell 2: kernel died \(exit code 3\) while running the cell/m);
    assert.doesNotMatch(result.stdout + result.stderr, /never runs/);
  });
});

function pythonNotebook(sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: "Python 3 (ipykernel)", language: "python", name: "python3" } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}
