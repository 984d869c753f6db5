import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { refuseUnreadable } from "../../src/pipeline/build-notebook.js";
import { ProjectCopy, notebookJson } from "../support/project-copy.js";

/** Inputs that must be refused at once, names that must not drive the terminal, outputs that must stay cheap. */
describe("bounded inputs and printable names", () => {
  let copy: ProjectCopy;
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
  });
  after(async () => copy?.dispose());

  test("a FIFO as --params-file is refused at once (exit 2), not waited on", async () => {
    const fifo = copy.path("params.fifo");
    execFileSync("mkfifo", [fifo]);
    await copy.write("notebooks/p.ipynb", notebookJson([{ source: 'const who: string = "x";', tags: ["parameters"] }]));
    const t0 = performance.now();
    const run = await copy.run(["--params-file", fifo, "--out-dir", copy.path(".tmp"), "notebooks/p.ipynb"]);
    const seconds = (performance.now() - t0) / 1000;
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /--params-file \S+params\.fifo: cannot read \(not a regular file\)/);
    assert.ok(seconds < 5, `${seconds.toFixed(1)} s`);
  });

  test("terminal escapes in a notebook's file name are printed escaped, so its opt-out line stays visible", async () => {
    const name = "notebooks/a\x1b[2K\x1b[1Ahidden\u202e.ipynb";
    await copy.write(name, notebookJson(["1"], { docs: { allow_private_keys: true } }));
    const run = await copy.run(["--strict", name]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /[\x1b\u202e]/);
    assert.match(run.stdout, /^opt-out notebooks\/a\\x1b\[2K\\x1b\[1Ahidden\\u202e\.ipynb: "docs": \{"allow_private_keys": true\}$/m);
  });

  test("150,000 backslashes in an output and in a markdown cell: the checks take no time to speak of", async () => {
    const nb = JSON.parse(notebookJson(['console.log("\\\\".repeat(150_000))'])) as { cells: object[] };
    nb.cells.push({ cell_type: "markdown", id: "md", metadata: {}, source: "\\".repeat(150_000) });
    await copy.write("notebooks/slashes.ipynb", JSON.stringify(nb));
    const run = await copy.run(["notebooks/slashes.ipynb"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // The notebook's own line: the kernel's run plus checks and rendering. Quadratic, the scan alone took 15-64 s.
    const seconds = Number(/^ok +notebooks\/slashes\.ipynb +\d+ cells +([\d.]+) s/m.exec(run.stdout)?.[1]);
    assert.ok(seconds < 15, run.stdout);
  });
});

test("SIGTERM during the secret scan of a large notebook: exit 143 within 2 s, nothing written", async (t) => {
  const copy = await ProjectCopy.create({ notebooks: false });
  t.after(() => copy.dispose());
  // 16 cells of 1 MB of random base64 each, as stored outputs: --no-execute scans them without a kernel, for several seconds.
  const nb = JSON.parse(notebookJson(Array.from({ length: 16 }, () => "x"))) as { cells: { outputs: unknown[]; execution_count: number | null }[] };
  nb.cells.forEach((cell, i) => {
    cell.execution_count = i + 1;
    cell.outputs = [{ output_type: "stream", name: "stdout", text: randomBytes(750_000).toString("base64") }];
  });
  await copy.write("notebooks/large.ipynb", JSON.stringify(nb));
  let signalled = 0;
  const run = await copy.run(["--no-execute", "notebooks/large.ipynb"], {
    onStart: (pid) => {
      setTimeout(() => {
        signalled = performance.now();
        process.kill(pid, "SIGTERM");
      }, 3000);
    },
  });
  const seconds = (performance.now() - signalled) / 1000;
  t.diagnostic(`exit ${run.code} ${seconds.toFixed(2)} s after SIGTERM`);
  assert.equal(run.code, 143, run.stdout + run.stderr);
  assert.ok(seconds < 2, `${seconds.toFixed(2)} s`);
  await assert.rejects(copy.read("docs", "large.md"), { code: "ENOENT" });
});

test("an executed notebook over the read bound is refused, not written", () => {
  assert.throws(() => refuseUnreadable("notebooks/big.ipynb", "x".repeat(2048), 1024), (e: Error & { code?: string }) => {
    assert.equal(e.code, "ERR_OUTPUT_LIMIT");
    assert.match(e.message, /notebooks\/big\.ipynb: the executed notebook would be 2048 bytes, over the 1024 bytes a build reads; nothing was written for it/);
    return true;
  });
  assert.doesNotThrow(() => refuseUnreadable("notebooks/big.ipynb", "x".repeat(1024), 1024));
});
