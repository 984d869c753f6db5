// Every place the run can name a private key: the known-secret scan must know them all.
import { lstat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type { NotebookJob } from "../pipeline/jobs.js";
import type { GivenValue } from "../params/values.js";

/** Every string in a parameter's value (a JSON value's strings, nested ones too). */
function* strings(value: GivenValue): Generator<string> {
  if (value.kind === "text") {
    yield value.text;
    return;
  }
  const walk = function* (v: unknown): Generator<string> {
    if (typeof v === "string") yield v;
    else if (Array.isArray(v)) for (const x of v) yield* walk(x);
    else if (typeof v === "object" && v !== null) for (const x of Object.values(v)) yield* walk(x);
  };
  yield* walk(value.value);
}

/**
 * The folders and files besides `keys/` that the run names and that exist: the `--keys` folder,
 * and each parameter value that is a path (relative to its notebook's folder, as the notebook
 * reads it) to a folder or a regular file: `-p keysDir=/ci/keys` makes /ci/keys known.
 */
export async function keySources(keysDir: string, jobs: readonly NotebookJob[]): Promise<string[]> {
  const found = new Set<string>([keysDir]);
  for (const job of jobs) {
    for (const value of job.params?.values() ?? []) {
      for (const text of strings(value)) {
        if (text === "" || text.length > 4096 || text.includes("\0")) continue;
        const path = isAbsolute(text) ? text : resolve(dirname(job.path), text);
        const info = await lstat(path).catch(() => undefined);
        if (info?.isDirectory() || info?.isFile()) found.add(path);
      }
    }
  }
  return [...found];
}
