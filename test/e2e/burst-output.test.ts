import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, notebookJson } from "../support/project-copy.js";

/**
 * tslab sent iopub messages without waiting for the previous send, and zeromq refuses a send
 * while one is in progress: a burst of console.log lost most of its lines. The project's patch
 * to tslab (patches/) queues the sends.
 */
describe("a burst of 20,000 console.log lines followed by an await", () => {
  // Unpatched, tslab lost about 400 of 900 lines; 20,000 leave no doubt and cost a second.
  const lines = 20_000;
  let copy: ProjectCopy;
  let run: Awaited<ReturnType<ProjectCopy["run"]>>;

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("notebooks/burst.ipynb", notebookJson([`for (let i = 0; i < ${lines}; i++) console.log("line " + i);\nawait new Promise((r) => setTimeout(r, 10));`]));
    run = await copy.run(["notebooks/burst.ipynb", "--max-output", "10000000"]);
  });
  after(async () => copy?.dispose());

  test("arrives whole and in order in the notebook", async () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const nb = JSON.parse(await copy.read("notebooks/burst.ipynb")) as { cells: Array<{ outputs: Array<{ text?: string[] }> }> };
    const text = nb.cells[0]!.outputs.map((o) => (o.text ?? []).join("")).join("");
    const expected = Array.from({ length: lines }, (_, i) => `line ${i}\n`).join("");
    assert.equal(text.length, expected.length);
    assert.ok(text === expected, "lines lost or out of order");
  });
});
