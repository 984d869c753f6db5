#!/usr/bin/env node
// Makes the warm tslab kernel's snapshot for notebooks/ (run by `prepare`), or for the folders
// given. A snapshot that cannot be made only costs speed: this prints why and exits 0.
import { resolve } from "node:path";
import { makeSnapshot } from "../src/kernel/warm/make-snapshot.js";
import { findProject } from "../src/project.js";

const folders = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : [findProject(process.cwd()).notebooksDir];
for (const folder of folders) {
  const started = performance.now();
  try {
    await makeSnapshot(folder);
    process.stdout.write(`warm kernel: snapshot for ${folder} made in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (e) {
    process.stdout.write(`warm kernel: no snapshot for ${folder}, its kernels start cold: ${(e as Error).message}\n`);
  }
}
