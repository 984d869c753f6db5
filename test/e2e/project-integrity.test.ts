import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, notebookJson } from "../support/project-copy.js";

/**
 * Without the sandbox a notebook runs with the rights of whoever builds: what it changes besides
 * its outputs is named (a guard that does not depend on the sandbox, so it is tested without one).
 */
describe("a notebook that writes outside its outputs, and opt-outs in plain sight", () => {
  let copy: ProjectCopy;
  let run: Awaited<ReturnType<ProjectCopy["run"]>>;

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write(
      "notebooks/tamper.ipynb",
      notebookJson([
        [
          'import * as fs from "fs";',
          'const set = JSON.parse(fs.readFileSync("../keys/RS384.public.json", "utf8"));',
          'set.keys[0].n = "attacker";',
          'fs.writeFileSync("../keys/RS384.public.json", JSON.stringify(set));',
          'fs.writeFileSync("../docs/planted.md", "# not built\\n");',
          'fs.rmSync("../docs/worked_example_id_token.md");',
        ].join("\n"),
      ]),
    );
    await copy.write(
      "notebooks/opted.ipynb",
      notebookJson(["1", { source: "2", tags: ["unverified-token"] }, { source: "3", tags: ["unverified-token"] }], { docs: { allow_private_keys: true } }),
    );
    run = await copy.run(["notebooks/tamper.ipynb", "notebooks/opted.ipynb", "--no-sandbox"]);
  });
  after(async () => copy?.dispose());

  test("the build fails naming each file changed, added or removed", () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /the notebooks changed files that are not their outputs/);
    assert.match(run.stderr, /^ {2}changed keys\/RS384\.public\.json$/m);
    assert.match(run.stderr, /^ {2}added docs\/planted\.md$/m);
    assert.match(run.stderr, /^ {2}removed docs\/worked_example_id_token\.md$/m);
  });

  test("each notebook's opt-outs are listed on one line", () => {
    assert.match(run.stdout, /^opt-out notebooks\/opted\.ipynb: "docs": \{"allow_private_keys": true\}; tag "unverified-token" on cells 2, 3$/m);
    assert.doesNotMatch(run.stdout, /opt-out notebooks\/tamper/);
  });

  test("--strict refuses a notebook with opt-outs before anything runs", async () => {
    const strict = await copy.run(["--strict", "notebooks/opted.ipynb"]);
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.match(strict.stderr, /--strict: 1 opt-out\(s\) of the checks \(listed above\); nothing was run/);
    assert.doesNotMatch(strict.stdout, /^ok /m);
  });
});
