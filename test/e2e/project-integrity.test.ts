import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, notebookJson } from "../support/project-copy.js";
import { makeKey, sign } from "../fixtures/tokens/helpers.js";

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

/** A key a notebook leaves in keys/ is named by the build it ran in, and trusted by none until committed. */
describe("a notebook that plants its own key in keys/", () => {
  let copy: ProjectCopy;
  const git = (...args: string[]): string =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: copy.dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    git("init", "-q");
    git("add", "keys");
    git("commit", "-qm", "keys");
    const planted = await makeKey("RS384", "planted");
    const token = await sign(planted, { sub: "forged" });
    await copy.write(
      "notebooks/plant.ipynb",
      notebookJson([
        [
          'import * as fs from "fs";',
          `if (!fs.existsSync("../keys/planted.public.json")) fs.writeFileSync("../keys/planted.public.json", ${JSON.stringify(JSON.stringify({ keys: [planted.publicJwk] }))});`,
          `console.log(${JSON.stringify(token)});`,
        ].join("\n"),
      ]),
    );
  });
  after(async () => copy?.dispose());

  test("the build it runs in fails naming the key; the next one does not trust it; a commit does", async () => {
    const first = await copy.run(["notebooks/plant.ipynb", "--no-sandbox"]);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    assert.match(first.stderr, /^ {2}added keys\/planted\.public\.json$/m);

    const next = await copy.run(["--force", "notebooks/plant.ipynb", "--no-sandbox"]);
    assert.equal(next.code, 1, next.stdout + next.stderr);
    assert.match(next.stderr, /^build-docs: keys\/planted\.public\.json is not committed as it is: its keys verify no token until it is committed$/m);
    assert.match(next.stderr, /notebooks\/plant\.ipynb, cell 1: token eyJ\S*… does not verify against keys\/: kid "planted" is in keys\/planted\.public\.json, which is not committed as it is/);
    assert.doesNotMatch(next.stderr, /changed keys|added keys/);
    await assert.rejects(copy.read("docs", "plant.md"), { code: "ENOENT" });

    git("add", "keys");
    git("commit", "-qm", "a key a human reviewed");
    const committed = await copy.run(["--force", "notebooks/plant.ipynb", "--no-sandbox"]);
    assert.equal(committed.code, 0, committed.stdout + committed.stderr);
    assert.match(await copy.read("docs", "plant.md"), /eyJ/);
  });
});

/** A notebook can write the build's journal; the next build obeys it only where a build's own unit could ask. */
describe("a notebook that plants a write journal", () => {
  let copy: ProjectCopy;
  const theirs = ["README.md", "package.json", "keys/RS384.public.json", "notebooks/other.ipynb"];

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write("README.md", "# the project\n");
    await copy.write("notebooks/other.ipynb", notebookJson(["1 + 1"]));
    await copy.write(
      "notebooks/journal.ipynb",
      notebookJson([
        [
          'import * as fs from "fs";',
          'import * as path from "path";',
          'const root = path.resolve("..");',
          `const deletes = ${JSON.stringify(theirs)}.map((p) => path.join(root, p));`,
          'const target = path.join(root, "package.json");',
          'const temp = path.join(root, ".package.json.1-ab.docs-tmp");',
          'fs.writeFileSync(temp, "{}");',
          'fs.mkdirSync(path.join(root, ".cache"), { recursive: true });',
          'fs.writeFileSync(path.join(root, ".cache", "docs-journal.json"), JSON.stringify({ version: 1, phase: "committing", renames: [{ temp, target, backup: temp.replace(/tmp$/, "bak") }], deletes }));',
        ].join("\n"),
      ]),
    );
  });
  after(async () => copy?.dispose());

  test("the next build deletes and replaces none of README.md, package.json, keys, notebooks", async () => {
    const before = new Map(await Promise.all(theirs.map(async (p) => [p, await copy.read(p)] as const)));
    // --check writes nothing: the journal the notebook left is still there for the next build.
    await copy.run(["--check", "notebooks/journal.ipynb", "--no-sandbox"]);
    const next = await copy.run(["--no-execute", "notebooks/journal.ipynb"]);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.match(next.stderr, /refused a write journal that names \S+, which no build of docs writes or deletes \(kept as \.cache\/docs-journal\.json\.refused\); nothing was moved or deleted/);
    for (const [p, text] of before) assert.equal(await copy.read(p), text, p);
  });
});
