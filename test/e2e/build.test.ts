import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readFileSync, readdirSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ProjectCopy, processesIn, projectRoot, snapshot } from "../support/project-copy.js";

const notebookFiles = readdirSync(join(projectRoot, "notebooks")).filter((f) => f.endsWith(".ipynb"));
const variantCount = notebookFiles
  .map((f) => JSON.parse(readFileSync(join(projectRoot, "notebooks", f), "utf8")) as { metadata: { docs?: { variants?: object } } })
  .reduce((n, nb) => n + Object.keys(nb.metadata.docs?.variants ?? {}).length, 0);
/** Pages the build makes: one per notebook, and one per variant. */
const pageCount = notebookFiles.length + variantCount;

/** A notebook with ES384 tokens, whose signatures change on every run (and no variant: one kernel). */
const RANDOMIZED = "notebooks/example-backend-services.ipynb";

/**
 * The build end to end in a copy of the project: what the committed tree promises. Each run
 * proves its own fact: the whole tree is executed once (the cold build, with warm kernels as a
 * checkout after `npm ci` has them); the other runs that need a kernel take one notebook each. Tests that only read what a build writes read the committed
 * tree, which the cold build here proves to be exactly that.
 */
describe("npm run docs in a copy of the project", () => {
  let copy: ProjectCopy;
  let committed: Map<string, string>;
  let first: Awaited<ReturnType<ProjectCopy["run"]>>;

  before(async () => {
    copy = await ProjectCopy.create({ warm: true });
    committed = new Map([...(await snapshot(copy.path("notebooks"))), ...(await snapshot(copy.path("docs")))]);
    first = await copy.run([]);
  });
  after(async () => copy.dispose());

  test("builds every notebook and prints one line per notebook", () => {
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const lines = first.stdout.split("\n").filter((l) => l.startsWith("ok "));
    // Every notebook, and each variant of one.
    assert.equal(lines.length, pageCount, first.stdout);
    for (const line of lines) assert.match(line, /^ok {4}notebooks\/[\w-]+\.ipynb( \[[\w-]+\])? {2}\d+ cells {2}\d+\.\d s {2}executed/);
  });

  test("leaves the committed notebooks and docs exactly as they were (idempotent)", async () => {
    const now = new Map([...(await snapshot(copy.path("notebooks"))), ...(await snapshot(copy.path("docs")))]);
    const changed = [...now.keys()].filter((k) => committed.get(k) !== now.get(k));
    const missing = [...committed.keys()].filter((k) => !now.has(k));
    assert.deepEqual({ changed, missing }, { changed: [], missing: [] }, "run `npm run docs` and commit the result");
  });

  test("leaves no kernel and no temporary file behind", async () => {
    assert.deepEqual(await processesIn(copy.dir), []);
    assert.deepEqual(await copy.tmpLeftovers(), []);
  });

  test("a second run is a no-op from the cache, touching no file", async () => {
    const md = copy.path("docs", "authorization-example-jwks-and-signatures.md");
    const before = (await stat(md)).mtimeMs;
    const again = await copy.run([]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.match(/unchanged \(cached\)/g)?.length, pageCount, again.stdout);
    assert.equal((await stat(md)).mtimeMs, before);
  });

  test("a no-op run records what it read; the same command then answers from a stat, and a touched import sends it down the full path", async () => {
    // Files written within 2 s of a stamp are not trusted (the clock may not have moved): let them age.
    await sleep(2100);
    const recorded = await copy.run(["--verbose"]);
    assert.equal(recorded.code, 0, recorded.stderr);
    assert.doesNotMatch(recorded.stderr, /answered from/);
    const answered = await copy.run(["--verbose"]);
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stderr, /answered from .*docs-noop\.json: none of the \d+ files and folders/);
    // The same lines; the full path prints notebooks as they finish, the answer in the notebooks' order.
    const lines = (out: string): string[] => out.replace(/\d+\.\d s\n$/, "").split("\n").sort();
    assert.deepEqual(lines(answered.stdout), lines(recorded.stdout));
    // Same bytes, new stat: the full path looks, and finds the content unchanged.
    const lib = copy.path("notebooks", "lib", "errors.ts");
    await writeFile(lib, await readFile(lib));
    const looked = await copy.run(["--verbose"]);
    assert.equal(looked.code, 0, looked.stderr);
    assert.doesNotMatch(looked.stderr, /answered from/);
    assert.equal(looked.stdout.match(/unchanged \(cached\)/g)?.length, pageCount, looked.stdout);
  });

  // Also what --force alone proves: the cache is ignored, and (as the cold build showed for
  // writing) a fresh ES384 signature over the same claims gives way to the verified stored one.
  test("--check --force executes in memory, keeps verified signatures, finds nothing stale and writes nothing", async () => {
    const before = await snapshot(copy.dir);
    const check = await copy.run(["--check", "--force", RANDOMIZED]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // "(cached)" would mean it was not executed.
    assert.match(check.stdout, new RegExp(`^ok {4}${RANDOMIZED.replace(/\./g, "\\.")} .* up to date$`, "m"));
    assert.match(check.stdout, /0 stale file\(s\)/);
    const after = await snapshot(copy.dir);
    const touched = [...after.keys()].filter((k) => before.get(k) !== after.get(k) && !k.includes("/.tmp/"));
    assert.deepEqual(touched, []);
  });

  test("--check fails with a diff when a page was edited by hand, and does not repair it; a build renders it again without a kernel", async () => {
    const md = copy.path("docs", "worked_example_id_token.md");
    const original = await readFile(md, "utf8");
    const edited = original.replace("### ", "### Edited: ");
    await writeFile(md, edited);
    try {
      const check = await copy.run(["--check"]);
      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.match(check.stdout, /--- a\/docs\/worked_example_id_token\.md/);
      assert.match(check.stdout, /^-### Edited: /m);
      assert.match(check.stdout, /stale \(1 file\)/);
      assert.equal(await readFile(md, "utf8"), edited);
      // The notebook and its outputs are those the cache recorded: the page is rendered from them.
      const repair = await copy.run([]);
      assert.equal(repair.code, 0, repair.stdout + repair.stderr);
      assert.match(repair.stdout, /^ok {4}notebooks\/worked_example_id_token\.ipynb .* rendered, 1 file written$/m);
      assert.equal(await readFile(md, "utf8"), original);
    } finally {
      await writeFile(md, original);
    }
  });

  test("--check fails when a code cell changed and its outputs are stale", async () => {
    const path = copy.path("notebooks", "worked_example_id_token.ipynb");
    const original = await readFile(path, "utf8");
    const nb = JSON.parse(original) as { cells: { cell_type: string; source: string[] }[] };
    const cell = nb.cells.find((c) => c.cell_type === "code")!;
    cell.source.push('\nconsole.log("a new line of output")');
    await writeFile(path, JSON.stringify(nb, null, 1) + "\n");
    try {
      const check = await copy.run(["--check", path]);
      assert.equal(check.code, 1, check.stdout + check.stderr);
      assert.match(check.stdout, /\+.*a new line of output/);
    } finally {
      await writeFile(path, original);
    }
  });

  test("--no-execute with --out-dir renders the stored outputs elsewhere without a kernel", async () => {
    const out = join(copy.dir, "site");
    const docsBefore = await snapshot(copy.path("docs"));
    const run = await copy.run(["--no-execute", "--out-dir", out]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.match(/rendered/g)?.length, pageCount, run.stdout);
    for (const name of ["authorization-example-jwks-and-signatures", "worked_example_id_token", "example-backend-services"]) {
      assert.equal(await readFile(join(out, `${name}.md`), "utf8"), await copy.read("docs", `${name}.md`));
    }
    assert.ok((await readFile(join(out, "index.html"), "utf8")).includes("worked_example_id_token.html"));
    assert.deepEqual(await snapshot(copy.path("docs")), docsBefore);
  });

  test("usage errors exit 2 with a message", async () => {
    const bad = await copy.run(["--timeout", "soon"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--timeout.*must be a positive number/);
    const none = await copy.run(["notebooks/no-such-*.ipynb"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no notebook matches "notebooks\/no-such-\*\.ipynb"/);
    const missing = await copy.run(["notebooks/missing.ipynb"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stdout + missing.stderr, /notebooks\/missing\.ipynb: cannot read the notebook: no such file/);
  });
});
