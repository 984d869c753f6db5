import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, test, type TestContext } from "node:test";
import { jobFor } from "../../src/pipeline/jobs.js";
import { runBuild, type Outcome, type RunOptions } from "../../src/pipeline/run.js";
import type { Project } from "../../src/project.js";
import { igTarget } from "../../src/targets/ig.js";
import type { Target } from "../../src/targets/types.js";
import { projectRoot, snapshot } from "../support/project-copy.js";

// What the checks see once cell tags hide cells, and the IG target, in-process on stored
// outputs (no kernel): a removed cell is not on the page, so not checked there; a hidden input
// whose output is shown is checked; an IG publishes the whole notebook, so the checks see all of it.

const rsa = (JSON.parse(await readFile(join(projectRoot, "keys", "RS384.private.json"), "utf8")) as { keys: { d?: string }[] }).keys.find((k) => k.d)!;
/** A token whose signature verifies against nothing in keys/. */
const BAD_TOKEN = `${Buffer.from('{"alg":"RS384","kid":"nobody","typ":"JWT"}').toString("base64url")}.${Buffer.from('{"sub":"x"}').toString("base64url")}.${"A".repeat(342)}`;

type Cell = { cell_type: "code" | "markdown"; source: string; tags?: string[]; output?: string };
function notebook(cells: Cell[]): string {
  return JSON.stringify({
    cells: cells.map((c, i) => ({
      cell_type: c.cell_type,
      id: `c${i}`,
      metadata: c.tags ? { tags: c.tags } : {},
      source: c.source,
      ...(c.cell_type === "code" ? { execution_count: i + 1, outputs: c.output === undefined ? [] : [{ output_type: "stream", name: "stdout", text: c.output }] } : {}),
    })),
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" }, language_info: { name: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  }, null, 1) + "\n";
}

/** Secrets and a bad token, each only in cells the page does not show. */
const HIDDEN = notebook([
  { cell_type: "markdown", source: '<a id="step-1"></a>\n# Hidden plumbing' },
  { cell_type: "code", source: `const d = "${rsa.d}";`, tags: ["remove-cell"], output: `${BAD_TOKEN}\n` },
  { cell_type: "code", source: `const again = "${rsa.d}";`, tags: ["remove-input"], output: "shown\n" },
  { cell_type: "code", source: "console.log(token)", tags: ["remove-output"], output: `${BAD_TOKEN}\n` },
]);

/** A hidden input whose output shows a bad token: cell 3 as Jupyter numbers it, 2 on the page. */
const SHOWN = notebook([
  { cell_type: "code", source: "setup()", tags: ["remove-cell"] },
  { cell_type: "markdown", source: "# Shown" },
  { cell_type: "code", source: "console.log(token)", tags: ["remove-input"], output: `${BAD_TOKEN}\n` },
]);

async function scratch(t: TestContext, notebooks: Record<string, string>): Promise<Project> {
  const root = await mkdtemp(join(tmpdir(), "tags-targets-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  const project: Project = { root, notebooksDir: join(root, "notebooks"), keysDir: join(root, "keys"), docsDir: join(root, "docs"), cacheFile: join(root, ".cache", "docs-build.json") };
  await cp(join(projectRoot, "keys"), project.keysDir, { recursive: true });
  await mkdir(project.notebooksDir, { recursive: true });
  for (const [name, text] of Object.entries(notebooks)) await writeFile(join(project.notebooksDir, `${name}.ipynb`), text);
  return project;
}

async function build(project: Project, names: string[], options: Partial<RunOptions> & { target?: Target } = {}) {
  const jobs = names.map((n) => jobFor(join(project.notebooksDir, `${n}.ipynb`), project));
  return runBuild({
    project,
    jobs: options.target ? options.target.place(jobs) : jobs,
    execute: false,
    force: false,
    check: false,
    timeoutMs: 30_000,
    maxTextLength: 1_000_000,
    parallel: 2,
    checks: true,
    signal: new AbortController().signal,
    reporter: { started: () => undefined, cell: () => undefined, finished: () => undefined },
    ...options,
  });
}

const failure = (outcomes: Outcome[]): string => outcomes.flatMap((o) => (o.ok ? [] : [o.error.message])).join("\n");

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe("the checks see what is published", () => {
  test("docs/: removed cells and hidden inputs are not checked; the page shows none of them", async (t) => {
    const project = await scratch(t, { hidden: HIDDEN });
    const result = await build(project, ["hidden"]);
    assert.equal(result.exitCode, 0, failure(result.outcomes));
    for (const file of ["hidden.md", "hidden.html"]) {
      // The HTML's text, highlighting spans left out.
      const page = (await readFile(join(project.docsDir, file), "utf8")).replace(/<[^>]*>/g, "");
      assert.ok(!page.includes(rsa.d!) && !page.includes(BAD_TOKEN) && !page.includes("const again"), `${file}: neither the key, the token nor the hidden code`);
      assert.match(page, /shown/, file);
      assert.match(page, /console\.log\(token\)/, `${file}: remove-output keeps the code`);
    }
  });

  test("a hidden input whose output is shown is checked, the cell named as Jupyter numbers it", async (t) => {
    const project = await scratch(t, { shown: SHOWN });
    const result = await build(project, ["shown"]);
    assert.equal(result.exitCode, 1);
    assert.match(failure(result.outcomes), /^notebooks\/shown\.ipynb, cell 3: token eyJ.* does not verify against/);
  });

  test("an output that cannot become a file names its cell as Jupyter numbers it, removed cells before it", async (t) => {
    const nb = JSON.parse(notebook([{ cell_type: "code", source: "setup()", tags: ["remove-cell"] }, { cell_type: "code", source: "plot()" }])) as { cells: { outputs: unknown[] }[] };
    nb.cells[1]!.outputs.push({ output_type: "display_data", data: { "image/png": "QUJDRA" }, metadata: {} });
    const project = await scratch(t, { broken: JSON.stringify(nb) });
    const result = await build(project, ["broken"]);
    assert.equal(result.exitCode, 1);
    assert.equal(failure(result.outcomes), "notebooks/broken.ipynb: cell 2: image/png output is not valid base64 (incorrect padding)");
  });

  test("an IG publishes the notebook: the same hidden cells fail its checks, and nothing is written", async (t) => {
    const project = await scratch(t, { hidden: HIDDEN });
    const ig = await mkdtemp(join(tmpdir(), "tags-targets-ig-"));
    t.after(() => rm(ig, { recursive: true, force: true }));
    const before = await snapshot(project.root);
    const result = await build(project, ["hidden"], { target: igTarget(project, ig) });
    assert.equal(result.exitCode, 1);
    const lines = failure(result.outcomes).split("\n");
    assert.ok(lines.some((l) => /, cell 2: the cell's source shows private key material/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /, cell 3: the cell's source shows private key material/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /, cell 4: token eyJ/.test(l)), lines.join("\n"));
    assert.deepEqual(await filesUnder(join(ig, "input", "pages")), []);
    assert.deepEqual(await snapshot(project.root), before, "nothing in the project changed");
  });
});

describe("the IG target", () => {
  test("input/pages/<name>.md, input/images/<name>.ipynb and its files, a manifest; no HTML, no index, docs/ untouched", async (t) => {
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC";
    const nb = JSON.parse(notebook([{ cell_type: "code", source: "plot()", output: "{{ site.title }}\n" }])) as { cells: { outputs: unknown[] }[] };
    nb.cells[0]!.outputs.push({ output_type: "display_data", data: { "image/png": png, "text/plain": "<img>" }, metadata: {} });
    const text = JSON.stringify(nb, null, 1) + "\n";
    const project = await scratch(t, { page: text });
    const ig = await mkdtemp(join(tmpdir(), "tags-targets-ig-"));
    t.after(() => rm(ig, { recursive: true, force: true }));
    await mkdir(join(ig, "input", "pages"), { recursive: true });
    await writeFile(join(ig, "input", "pages", "index.md"), "the IG's own page\n");
    const target = igTarget(project, ig);
    const result = await build(project, ["page"], { target });
    assert.equal(result.exitCode, 0, failure(result.outcomes));
    assert.deepEqual(await filesUnder(ig), [
      "input/.docs-manifest.json",
      "input/images/page.ipynb",
      "input/images/page_files/page_0_1.png",
      "input/pages/index.md",
      "input/pages/page.md",
    ]);
    assert.equal(await readFile(join(ig, "input", "images", "page.ipynb"), "utf8"), text, "the notebook as stored (not executed here)");
    const md = await readFile(join(ig, "input", "pages", "page.md"), "utf8");
    assert.match(md, /\{% raw %\}\n    \{\{\{% endraw %\}\{% raw %\} site\.title \}\}\n\n\{% endraw %\}/);
    assert.match(md, /!\[png\]\(page_files\/page_0_1\.png\)/, "linked where input/images lands: the IG's root, beside the page");
    assert.deepEqual(await filesUnder(project.root).then((f) => f.filter((p) => !p.startsWith("keys/"))), ["notebooks/page.ipynb"], "nothing written in the project");

    // --check agrees, then finds a changed page stale; a rebuild restores it and prunes only its own files.
    assert.equal((await build(project, ["page"], { target, check: true })).exitCode, 0);
    await writeFile(join(ig, "input", "pages", "page.md"), "edited\n");
    const check = await build(project, ["page"], { target, check: true });
    assert.equal(check.exitCode, 1);
    assert.match(check.stale.join("\n"), /input\/pages\/page\.md/);
    await writeFile(join(project.notebooksDir, "page.ipynb"), notebook([{ cell_type: "code", source: "x", output: "no image\n" }]));
    assert.equal((await build(project, ["page"], { target })).exitCode, 0);
    assert.deepEqual(await filesUnder(ig), ["input/.docs-manifest.json", "input/images/page.ipynb", "input/pages/index.md", "input/pages/page.md"]);
  });

  test("a link inside the IG is refused, naming it, and nothing is written through it", async (t) => {
    const project = await scratch(t, { page: notebook([{ cell_type: "code", source: "x", output: "shown\n" }]) });
    const ig = await mkdtemp(join(tmpdir(), "tags-targets-ig-"));
    const elsewhere = await mkdtemp(join(tmpdir(), "tags-targets-elsewhere-"));
    t.after(() => Promise.all([rm(ig, { recursive: true, force: true }), rm(elsewhere, { recursive: true, force: true })]));
    await mkdir(join(ig, "input"));
    await symlink(elsewhere, join(ig, "input", "pages"));
    const result = await build(project, ["page"], { target: igTarget(project, ig) });
    assert.equal(result.exitCode, 2);
    assert.match(failure(result.outcomes), /input\/pages.* lies under a symbolic link, .*input\/pages; the build never writes through links/);
    assert.deepEqual(await filesUnder(elsewhere), []);
    assert.deepEqual(await filesUnder(join(ig, "input", "images")), []);
  });
});
