import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { defaultNotebooks, expandArguments, jobFor } from "../../src/pipeline/jobs.js";
import type { Project } from "../../src/project.js";

async function scratch(t: TestContext, files: string[]): Promise<Project> {
  const root = await mkdtemp(join(tmpdir(), "jobs-"));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const f of files) {
    await mkdir(join(root, f, ".."), { recursive: true });
    await writeFile(join(root, f), "{}");
  }
  return { root, notebooksDir: join(root, "notebooks"), keysDir: join(root, "keys"), docsDir: join(root, "docs"), cacheFile: join(root, ".cache", "b.json") };
}

test("a job: label relative to the project, page named after the notebook, sub-folders mirrored in docs/", () => {
  const project: Project = { root: "/p", notebooksDir: "/p/notebooks", keysDir: "/p/keys", docsDir: "/p/docs", cacheFile: "/p/.cache/b.json" };
  assert.deepEqual(jobFor("/p/notebooks/a.ipynb", project), { path: "/p/notebooks/a.ipynb", label: "notebooks/a.ipynb", name: "a", docsDir: "/p/docs" });
  assert.deepEqual(jobFor("/p/notebooks/sub/deep/b.ipynb", project).docsDir, "/p/docs/sub/deep");
  assert.deepEqual(jobFor("/p/elsewhere/c.ipynb", project), { path: "/p/elsewhere/c.ipynb", label: "elsewhere/c.ipynb", name: "c", docsDir: "/p/docs" }, "outside notebooks/: straight into docs/");
  assert.equal(jobFor("/p/notebooks/a.ipynb", { ...project, docsDir: "/out" }).docsDir, "/out", "--out-dir");
});

test("default notebooks: every notebooks/**/*.ipynb in order, checkpoints and other files left out", async (t) => {
  const project = await scratch(t, [
    "notebooks/b.ipynb", "notebooks/a.ipynb", "notebooks/sub/c.ipynb", "notebooks/notes.md",
    "notebooks/.ipynb_checkpoints/a-checkpoint.ipynb", "notebooks/sub/.ipynb_checkpoints/c-checkpoint.ipynb", "elsewhere/d.ipynb",
  ]);
  const found = await defaultNotebooks(project);
  assert.deepEqual(found, ["notebooks/a.ipynb", "notebooks/b.ipynb", "notebooks/sub/c.ipynb"].map((f) => join(project.root, f)));
  assert.deepEqual(await defaultNotebooks({ ...project, notebooksDir: join(project.root, "none") }), [], "no notebooks/ folder");
});

test("arguments: paths as given, patterns expanded without checkpoints, duplicates once, unmatched patterns reported", async (t) => {
  const project = await scratch(t, ["notebooks/id-a.ipynb", "notebooks/id-b.ipynb", "notebooks/other.ipynb", "notebooks/.ipynb_checkpoints/id-a-checkpoint.ipynb"]);
  const at = (f: string): string => join(project.root, f);
  const { paths, unmatched } = await expandArguments(["notebooks/other.ipynb", "notebooks/**/id-*.ipynb", "notebooks/id-a.ipynb", "notebooks/no-*.ipynb", "missing.ipynb"], project.root);
  assert.deepEqual(paths, [at("notebooks/other.ipynb"), at("notebooks/id-a.ipynb"), at("notebooks/id-b.ipynb"), at("missing.ipynb")]);
  assert.deepEqual(unmatched, ["notebooks/no-*.ipynb"]);
});
