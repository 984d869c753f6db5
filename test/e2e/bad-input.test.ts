import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test, type TestContext } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { KernelMark, notebookJson, processesIn, ProjectCopy, snapshot, type RunResult } from "../support/project-copy.js";

// Bad runs against the compiled build (notebooks that cannot be read or name an unknown kernel
// need no kernel: test/pipeline/run.test.ts checks them in-process), each in a copy of the project with
// one good notebook beside the bad one: the bad one fails with one clear line and leaves its
// notebook and page as they were; the good one is still built; no kernel and no temporary
// file outlives the build.

const GOOD = notebookJson(['console.log("the good page")']);
const PREVIOUS = { md: "# The page as committed\n", html: "<p>The page as committed</p>\n" };
const MiB = 2 ** 20;

interface Setup {
  copy: ProjectCopy;
  /** Every file under notebooks/ and docs/ before the build. */
  before: Map<string, string>;
  /** Whether notebooks/good.ipynb is built beside the bad ones. */
  good: boolean;
}

/**
 * A copy with the given bad notebooks and a committed page for each, and notebooks/good.ipynb
 * unless `good` is false. The good notebook proves that a failure leaves the other notebooks
 * alone; it costs a kernel, so cell errors that fail the same way as a plain throw go without.
 * `prepare` adds what the notebooks need before the tree is recorded. The caller disposes the copy.
 */
async function makeSetup(bad: Record<string, string>, { good = true, prepare = async () => undefined }: { good?: boolean; prepare?: (copy: ProjectCopy) => Promise<void> } = {}): Promise<Setup> {
  const copy = await ProjectCopy.create({ notebooks: false, warm: true });
  if (good) await copy.write("notebooks/good.ipynb", GOOD);
  for (const [name, text] of Object.entries(bad)) {
    await copy.write(`notebooks/${name}.ipynb`, text);
    await copy.write(`docs/${name}.md`, PREVIOUS.md);
    await copy.write(`docs/${name}.html`, PREVIOUS.html);
  }
  await prepare(copy);
  return { copy, before: await projectFiles(copy), good };
}

/** makeSetup for one test, its copy disposed after it. */
async function setUp(t: TestContext, bad: Record<string, string>, options: { good?: boolean } = {}): Promise<Setup> {
  const setup = await makeSetup(bad, options);
  t.after(() => setup.copy.dispose());
  return setup;
}

async function projectFiles(copy: ProjectCopy): Promise<Map<string, string>> {
  return new Map([...(await snapshot(copy.path("notebooks"))), ...(await snapshot(copy.path("docs")))]);
}

/** Runs the build, timed, and shows its output in the test log. */
async function build(t: TestContext, copy: ProjectCopy, args: string[], options: Parameters<ProjectCopy["run"]>[1] = {}): Promise<RunResult & { seconds: number }> {
  const t0 = performance.now();
  const result = await copy.run(["--jobs", "2", ...args], options);
  const seconds = (performance.now() - t0) / 1000;
  t.diagnostic(`exit ${result.code} in ${seconds.toFixed(1)} s, peak RSS ${(result.peakRss / MiB).toFixed(0)} MiB`);
  return { ...result, seconds };
}

/**
 * What every failed build must show: its exit code; for each bad notebook exactly one line in
 * the closing summary (stderr) and one FAIL line with the same message in the log (stdout);
 * the bad notebooks and their pages byte-identical, the good page written, nothing else new
 * (no temporary file of an atomic write) under notebooks/ and docs/; no kernel, no temp file.
 */
async function assertFailed(t: TestContext, setup: Setup, result: RunResult, code: number, expected: Record<string, RegExp>): Promise<void> {
  const { copy } = setup;
  const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  assert.equal(result.code, code, output);
  for (const [name, pattern] of Object.entries(expected)) {
    const label = `notebooks/${name}.ipynb`;
    const summary = result.stderr.split("\n").filter((l) => l.includes(label));
    assert.equal(summary.length, 1, `one line names ${label} on stderr\n${output}`);
    const line = summary[0]!.trim();
    assert.ok(line.startsWith(label), output);
    assert.match(line, pattern, output);
    const log = result.stdout.split("\n");
    assert.equal(log.filter((l) => l.startsWith(`FAIL  ${label} `)).length, 1, output);
    assert.equal(log.filter((l) => l.trim() === line).length, 1, output);
    t.diagnostic(line);
  }
  if (setup.good) assert.match(result.stdout, /^ok {4}notebooks\/good\.ipynb {2}1 cells .* executed/m, output);
  await assertOnlyGoodPageChanged(setup, Object.keys(expected));
  assert.deepEqual(await processesIn(copy.dir), [], "no kernel left running");
  assert.deepEqual(await copy.tmpLeftovers(), [], "no temporary file left");
}

/** Bad notebooks and their pages as before; good.* and index.html the only changes. */
async function assertOnlyGoodPageChanged(setup: Setup, bad: string[]): Promise<void> {
  const { copy, before, good } = setup;
  const after = await projectFiles(copy);
  const mayChange = new Set(["notebooks/good.ipynb", "docs/good.md", "docs/good.html", "docs/index.html", "docs/.docs-manifest.json"].map((p) => copy.path(p)));
  const changed = [...after.keys()].filter((p) => after.get(p) !== before.get(p) && !mayChange.has(p));
  const missing = [...before.keys()].filter((p) => !after.has(p));
  assert.deepEqual({ changed, missing }, { changed: [], missing: [] });
  for (const name of bad) {
    assert.equal(await copy.read("docs", `${name}.md`), PREVIOUS.md);
    assert.equal(await copy.read("docs", `${name}.html`), PREVIOUS.html);
  }
  if (!good) return;
  assert.match(await copy.read("docs", "good.md"), /the good page/);
  assert.ok(existsSync(copy.path("docs", "good.html")));
}

const FS = 'import * as fs from "node:fs";';

// One build at a time: the suite runs two files at once and is bound by CPU, and each case
// holds one of the run's warm-kernel slots while it runs.
describe("bad input", () => {
  test("an unhandled rejection, and a timer that throws later: exit 1, the cell named", async (t) => {
    const setup = await setUp(t, {
      rejection: notebookJson(['Promise.reject(new Error("late"));\n"returned"', 'console.log("next")']),
      // The throw usually surfaces while the next cell runs, which is where Jupyter shows it
      // too; on a loaded machine it may come before that cell starts, and then belongs to cell 1.
      timer: notebookJson(['setTimeout(() => { throw new Error("later"); }, 100);\n"scheduled"', "await new Promise((r) => setTimeout(r, 1000));", "1"]),
    }, { good: false });
    const result = await build(t, setup.copy, []);
    await assertFailed(t, setup, result, 1, {
      rejection: /^notebooks\/rejection\.ipynb, cell 1: UnhandledPromiseRejection: Error: late /,
      timer: /^notebooks\/timer\.ipynb, cell [12]: UncaughtException: Error: later /,
    });
  });

  test("an endless loop with --timeout 3: exit 1, the kernel killed at once", async (t) => {
    const mark = new KernelMark("loop-started");
    const setup = await setUp(t, { x: notebookJson([FS, `fs.writeFileSync(${JSON.stringify(mark.path)}, String(Date.now()));\nwhile (true) {}`]) });
    const result = await build(t, setup.copy, ["--timeout", "3"], { onStart: () => mark.watch(setup.copy.dir) });
    const ended = Date.now();
    await assertFailed(t, setup, result, 1, { x: /^notebooks\/x\.ipynb, cell 2: timed out after 3 s; kernel killed / });
    mark.stop();
    const loopSeconds = (ended - Number(mark.content)) / 1000;
    t.diagnostic(`from the loop's start to the build's end: ${loopSeconds.toFixed(1)} s`);
    assert.ok(loopSeconds < 5, `took ${loopSeconds} s after the loop started`);
  });

  for (const [what, code, good] of [
    // The two shapes are cut and killed alike: one good notebook beside them proves the rest is spared.
    ["a hundred 1 MB lines", 'const mb = "x".repeat(2 ** 20);\nfor (let i = 0; i < 100; i++) console.log(mb);', true],
    ["one 100 MB line", 'console.log("y".repeat(100 * 2 ** 20));', false],
  ] as const) {
    test(`a cell printing ${what}: exit 1 at the output limit, memory bounded, kernel killed`, async (t) => {
      const setup = await setUp(t, { x: notebookJson(["const a = 1;", code]) }, { good });
      const result = await build(t, setup.copy, ["-v"]);
      await assertFailed(t, setup, result, 1, {
        x: /^notebooks\/x\.ipynb, cell 2: output over the limit of 1000000 characters; kernel killed \(raise --max-output/,
      });
      // The notice that ends the capped output, shown with --verbose.
      assert.match(result.stdout, /\| \[output truncated: \d+ more characters over the limit of 1000000 were dropped\]/);
      assert.ok(result.peakRss < 300 * MiB, `peak RSS ${(result.peakRss / MiB).toFixed(0)} MiB`);
    });
  }

  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    test(`${signal} while a cell runs: exit ${code}, kernel killed, nothing written`, async (t) => {
      const mark = new KernelMark("slow-started");
      const setup = await setUp(t, { x: notebookJson([FS, `fs.writeFileSync(${JSON.stringify(mark.path)}, "");\nawait new Promise((r) => setTimeout(r, 60_000));`]) });
      let sent = 0;
      const result = await build(t, setup.copy, [], {
        onStart: (pid) => {
          mark.watch(setup.copy.dir);
          // Once the slow cell runs and the good page is written, so that only the kernel is stopped.
          const poll = setInterval(() => {
            if (mark.content === undefined || !existsSync(setup.copy.path("docs", "good.md"))) return;
            clearInterval(poll);
            sent = performance.now();
            process.kill(pid, signal);
          }, 50);
          poll.unref();
        },
      });
      mark.stop();
      assert.ok(sent > 0, "the signal was sent");
      t.diagnostic(`build ended ${((performance.now() - sent) / 1000).toFixed(1)} s after the ${signal}`);
      assert.equal(result.code, code, result.stdout + result.stderr);
      assert.match(result.stderr, new RegExp(`^${signal}: stopping, killing kernels…$`, "m"));
      assert.match(result.stderr, /^ {2}notebooks\/x\.ipynb, cell 2: build stopped; kernel killed/m);
      await assertOnlyGoodPageChanged(setup, ["x"]);
      assert.deepEqual(await processesIn(setup.copy.dir), [], "no kernel left running");
      assert.deepEqual(await setup.copy.tmpLeftovers(), [], "no temporary file left");
    });
  }

  test("a second signal (SIGINT and SIGTERM at once) exits at once, kernels and their files gone all the same", async (t) => {
    const mark = new KernelMark("slow-started");
    const setup = await setUp(t, { x: notebookJson([FS, `fs.writeFileSync(${JSON.stringify(mark.path)}, "");\nawait new Promise((r) => setTimeout(r, 60_000));`]) }, { good: false });
    const { copy } = setup;
    let sent = 0;
    const result = await build(t, copy, [], {
      onStart: (pid) => {
        mark.watch(copy.dir);
        const poll = setInterval(() => {
          if (mark.content === undefined) return;
          clearInterval(poll);
          sent = performance.now();
          process.kill(pid, "SIGINT");
          process.kill(pid, "SIGTERM");
        }, 50);
        poll.unref();
      },
    });
    mark.stop();
    assert.ok(sent > 0, "the signals were sent");
    t.diagnostic(`build ended ${((performance.now() - sent) / 1000).toFixed(1)} s after the signals`);
    // The process may take the two in either order: the second one sets the code.
    assert.ok(result.code === 143 || result.code === 130, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /notebook\(s\)/, "exited before the summary");
    // Killed on the way out, not waited for: give the kernel a moment to be gone.
    const deadline = performance.now() + 2000;
    while ((await processesIn(copy.dir)).length > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await processesIn(copy.dir), [], "no kernel left running");
    assert.deepEqual(await copy.tmpLeftovers(), [], "no connection file left");
    const x = copy.path("notebooks", "x.ipynb");
    assert.equal((await snapshot(copy.path("notebooks"))).get(x), setup.before.get(x));
    assert.equal(await copy.read("docs", "x.md"), PREVIOUS.md);
  });

  test("SIGTERM while the kernels start: exit 143 at once, no cell run, nothing written", async (t) => {
    const mark = new KernelMark("cell-ran");
    const { copy, before } = await setUp(t, { x: notebookJson([FS, `fs.writeFileSync(${JSON.stringify(mark.path)}, "");\nawait new Promise((r) => setTimeout(r, 60_000));`]) });
    let sent = 0;
    let ended = false;
    const result = await build(t, copy, [], {
      onStart: (pid) => {
        mark.watch(copy.dir);
        // Once both kernel processes exist; one look at a time, so that one signal is sent.
        const look = async (): Promise<void> => {
          if (ended) return;
          if ((await processesIn(copy.dir)).filter((p) => p !== pid).length < 2) return void setTimeout(look, 20);
          sent = performance.now();
          process.kill(pid, "SIGTERM");
        };
        void look();
      },
    });
    ended = true;
    mark.stop();
    assert.ok(sent > 0, "the signal was sent");
    const after = (performance.now() - sent) / 1000;
    t.diagnostic(`build ended ${after.toFixed(1)} s after the SIGTERM`);
    assert.equal(result.code, 143, result.stdout + result.stderr);
    assert.ok(after < 2, `${after} s`);
    assert.equal(mark.content, undefined, "no cell ran after the stop");
    for (const name of ["x", "good"]) {
      assert.match(result.stderr, new RegExp(`^ {2}notebooks/${name}\\.ipynb: build stopped while the kernel started; kernel killed$`, "m"));
    }
    assert.deepEqual(await projectFiles(copy), before, "nothing written");
    assert.deepEqual(await processesIn(copy.dir), [], "no kernel left running");
    assert.deepEqual(await copy.tmpLeftovers(), [], "no temporary file left");
  });

  test("a cell tagged raises-exception that raises: the build succeeds and the next cell runs", async (t) => {
    const { copy } = await setUp(t, {}, { good: false });
    await copy.write("notebooks/x.ipynb", notebookJson([
      { source: 'throw new Error("expected failure");', tags: ["raises-exception"] },
      'console.log("ran after the error");',
    ]));
    const result = await build(t, copy, []);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const notebook = JSON.parse(await copy.read("notebooks", "x.ipynb")) as INotebookContent;
    const [raising, next] = notebook.cells as ICodeCell[];
    // tslab reports a throw on stderr, not as an error output.
    const shown = raising!.outputs.map((o) => (o.output_type === "stream" ? [o.text].flat().join("") : "")).join("");
    assert.match(shown, /^Error: expected failure$/m, JSON.stringify(raising!.outputs));
    assert.deepEqual(next!.outputs, [{ output_type: "stream", name: "stdout", text: ["ran after the error\n"] }]);
    assert.equal(next!.execution_count, 2);
    assert.match(await copy.read("docs", "x.md"), /ran after the error/);
    assert.deepEqual(await processesIn(copy.dir), []);
    assert.deepEqual(await copy.tmpLeftovers(), []);
  });
});

// Cells that fail in six ways, one notebook each, in one build beside the good notebook: each
// fails with its own line, and the rest of the build goes on.
describe("notebooks whose cells fail", () => {
  const SIGNING = [
    "function getSigningKey(file: string) {",
    '  const keySet = JSON.parse(fs.readFileSync(file, "utf8")) as { keys: { key_ops?: string[] }[] };',
    '  const signingKey = keySet.keys.find((key) => key.key_ops?.includes("sign"));',
    '  if (!signingKey) throw new Error(`${file}: no key with "sign" in its key_ops`);',
    "  return signingKey;",
    "}",
  ].join("\n");
  const cases: Record<string, { what: string; notebook: string; line: RegExp }> = {
    typo: {
      what: "a TypeScript error: the cell and the line in the cell named",
      notebook: notebookJson(["const a = 1;", 'const b = a + 1;\nconst x: number = "one";\nx']),
      line: /^notebooks\/typo\.ipynb, cell 2: TypeScript error at line 2, column 7: Type 'string' is not assignable to type 'number'\. \(const x: number = "one";\)$/,
    },
    throws: {
      what: "a cell that throws: the error and the cell named",
      notebook: notebookJson(["const a = 1;", 'throw new Error("boom");', 'console.log("never")']),
      line: /^notebooks\/throws\.ipynb, cell 2: Error: boom \(throw new Error\("boom"\);\)$/,
    },
    exits: {
      what: "process.exit(3) in a cell: the kernel's death reported",
      notebook: notebookJson(["const a = 1;", "process.exit(3);"]),
      line: /^notebooks\/exits\.ipynb, cell 2: kernel died \(exit code 3\) while running the cell/,
    },
    "missing-key": {
      what: "a missing key file: the cell and ENOENT named",
      notebook: notebookJson([FS, 'const keySet = JSON.parse(fs.readFileSync("../keys/NOPE.private.json", "utf8"));']),
      line: /^notebooks\/missing-key\.ipynb, cell 2: Error: ENOENT: no such file or directory, open '\.\.\/keys\/NOPE\.private\.json'/,
    },
    "no-signing-key": {
      what: "a key set without a signing key: the notebook's own error",
      notebook: notebookJson([FS, SIGNING, 'const signingKey = getSigningKey("../keys/PUBLIC-ONLY.private.json");']),
      line: /^notebooks\/no-signing-key\.ipynb, cell 3: Error: \.\.\/keys\/PUBLIC-ONLY\.private\.json: no key with "sign" in its key_ops/,
    },
    "does-not-raise": {
      what: 'a cell tagged raises-exception that does not raise',
      notebook: notebookJson(["const a = 1;", { source: "a + 1", tags: ["raises-exception"] }]),
      line: /^notebooks\/does-not-raise\.ipynb, cell 2: the cell is tagged "raises-exception" but ran without error \(a \+ 1\)$/,
    },
  };
  let setup: Setup;
  let result: RunResult;
  before(async () => {
    setup = await makeSetup(Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, c.notebook])), {
      prepare: async (copy) => copy.write("keys/PUBLIC-ONLY.private.json", await copy.read("keys", "RS384.public.json")),
    });
    result = await setup.copy.run(["--jobs", "2"]);
  });
  after(() => setup?.copy.dispose());

  for (const [name, c] of Object.entries(cases)) {
    test(`${c.what}: exit 1, one line naming the notebook and cell, the good page built`, async (t) => {
      await assertFailed(t, setup, result, 1, { [name]: c.line });
    });
  }
});
