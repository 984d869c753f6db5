#!/usr/bin/env node
// Regenerates test/fixtures/corpus/nbconvert/: what `jupyter nbconvert --to markdown` writes for
// each notebook of the conformance corpus. The renderer's tests compare with these files, so
// they run without Jupyter; test/render/markdown.test.ts fails when they are out of date.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { findProject } from "../src/project.js";

const run = promisify(execFile);

async function main(): Promise<void> {
  const corpus = join(findProject(process.cwd()).root, "test", "fixtures", "corpus");
  const target = join(corpus, "nbconvert");
  const notebooks = (await readdir(corpus)).filter((f) => f.endsWith(".ipynb")).sort();
  if (notebooks.length === 0) throw new Error(`no notebooks in ${corpus}`);
  // Written beside the target, then swapped in: a failed run leaves the old reference whole.
  const fresh = await mkdtemp(join(corpus, ".nbconvert-"));
  try {
    const { stdout } = await run("jupyter-nbconvert", ["--version"]);
    await run("jupyter-nbconvert", ["--to", "markdown", "--output-dir", fresh, ...notebooks.map((f) => join(corpus, f))], {
      maxBuffer: 64 << 20,
    });
    await rm(target, { recursive: true, force: true });
    await rename(fresh, target);
    process.stdout.write(`${notebooks.length} notebooks converted by nbconvert ${stdout.trim()} into ${target}\n`);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`nbconvert-reference: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
