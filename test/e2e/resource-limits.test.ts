import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { symlink, truncate, writeFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { KernelMark, ProjectCopy, notebookJson, processesIn } from "../support/project-copy.js";

describe("inputs that would grow or hang the build", () => {
  let copy: ProjectCopy;
  let run: Awaited<ReturnType<ProjectCopy["run"]>>;
  const depends: Record<string, string> = {
    fifo: "../data/pipe",
    zero: "/dev/zero",
    "link-to-zero": "../data/zero-link",
    large: "../data/large.bin",
    outside: "../../outside.json",
  };

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("data/ok.json", "{}\n");
    execFileSync("mkfifo", [copy.path("data/pipe")]);
    await symlink("/dev/zero", copy.path("data/zero-link"));
    await writeFile(copy.path("data/large.bin"), "");
    await truncate(copy.path("data/large.bin"), 65 * 1024 * 1024); // sparse: costs no disk
    for (const [name, dep] of Object.entries(depends)) {
      await copy.write(`notebooks/${name}.ipynb`, notebookJson(["1"], { docs: { depends: ["../data/ok.json", dep] } }));
    }
    run = await copy.run(Object.keys(depends).map((n) => `notebooks/${n}.ipynb`));
  });
  after(async () => copy?.dispose());

  test("each notebook is refused as a usage error naming its depends entry, and nothing ran", async () => {
    assert.equal(run.code, 2, run.stdout + run.stderr);
    const why: Record<string, RegExp> = {
      fifo: /"\.\.\/data\/pipe": not a regular file/,
      zero: /"\/dev\/zero": \/dev\/zero is outside the project/,
      "link-to-zero": /"\.\.\/data\/zero-link": \/dev\/zero is outside the project/,
      large: /"\.\.\/data\/large\.bin": 65 MiB, over the limit of 64 MiB/,
      outside: /"\.\.\/\.\.\/outside\.json": \S+\/outside\.json is outside the project/,
    };
    for (const [name, reason] of Object.entries(why)) {
      const line = run.stderr.split("\n").find((l) => l.includes(`notebooks/${name}.ipynb:`));
      assert.ok(line, `${name}: no line\n${run.stderr}`);
      assert.match(line, /"docs": \{"depends"\} entry /);
      assert.match(line, reason);
    }
    assert.ok(run.peakRss < 512 * 1024 * 1024, `peak memory ${run.peakRss}`);
    assert.deepEqual(await processesIn(copy.dir), []);
  });
});

describe("--timeout", () => {
  let copy: ProjectCopy;
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/one.ipynb", notebookJson(["1"]));
  });
  after(async () => copy?.dispose());

  test("over 24 hours, zero, negative or not a number: usage error, exit 2", async () => {
    for (const value of ["2147484", "86401", "0", "-5", "soon"]) {
      const run = await copy.run(["--timeout", value, "--no-execute"]);
      assert.equal(run.code, 2, `${value}: ${run.stderr}`);
      assert.match(run.stderr, /option '--timeout <seconds>' argument '[^']+' is invalid/);
    }
  });

  test("24 hours is accepted", async () => {
    const run = await copy.run(["--timeout", "86400", "--no-execute"]);
    assert.equal(run.code, 0, run.stderr);
  });
});

describe("SIGTERM while a cell runs", () => {
  let copy: ProjectCopy;
  const mark = new KernelMark("busy-started");
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/busy.ipynb", notebookJson(['console.log("busy")', `require("node:fs").writeFileSync(${JSON.stringify(mark.path)}, "");\nwhile (true) {}`]));
  });
  after(async () => copy?.dispose());

  test("the build exits 143 within 2 s, its kernel gone", async () => {
    let build = 0;
    const pending = copy.run(["notebooks/busy.ipynb", "--timeout", "600"], { onStart: (pid) => {
      build = pid;
      mark.watch(copy.dir);
    } });
    // Wait for the kernel to be in the loop: the cell marks its start, then loops at once.
    const deadline = Date.now() + 120_000;
    while (mark.content === undefined && Date.now() < deadline) await sleep(100);
    mark.stop();
    assert.ok(mark.content !== undefined, "the busy cell started");
    await sleep(300);
    const t0 = Date.now();
    process.kill(build, "SIGTERM");
    const run = await pending;
    const elapsed = Date.now() - t0;
    assert.equal(run.code, 143, run.stderr);
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    assert.deepEqual(await processesIn(copy.dir), []);
  });
});

describe("--max-output and display payloads", () => {
  let copy: ProjectCopy;
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/image.ipynb", notebookJson(['import * as tslab from "tslab";\ntslab.display.png(new Uint8Array(3000));']));
  });
  after(async () => copy?.dispose());

  test("an image over the limit fails its notebook with the same message as text", async () => {
    const run = await copy.run(["notebooks/image.ipynb", "--max-output", "2000"]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /notebooks\/image\.ipynb, cell 1: output over the limit of 2000 characters; kernel killed/);
  });
});
