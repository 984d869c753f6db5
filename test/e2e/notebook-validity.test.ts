import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { createTwoFilesPatch } from "diff";
import { hasNbformat, python } from "../support/nbconvert.js";
import { projectRoot } from "../support/project-copy.js";
import { prerequisite } from "../support/require.js";

// The notebooks the build writes must be what Jupyter itself would write: valid against the
// nbformat schema with no warning, and unchanged when nbformat reads and writes them again, so
// that opening one in Jupyter shows no "modified" or upgraded file. The committed notebooks are
// checked: test/e2e/build.test.ts proves the build writes them byte for byte.

const run = promisify(execFile);
const names = readdirSync(join(projectRoot, "notebooks")).filter((f) => f.endsWith(".ipynb")).sort();
const TIMEOUT = { timeout: 600_000 };

// One Python process checks every file: importing nbformat dominates the time. Warnings and
// log records are collected as well as exceptions, since nbformat.reads only logs a schema
// error and repairs missing cell ids with a warning.
const CHECK = String.raw`
import json, logging, sys, warnings
import nbformat
from jsonschema.exceptions import best_match
from nbformat.validator import get_validator

class Collect(logging.Handler):
    records = []
    def emit(self, record):
        self.records.append(record.getMessage().splitlines()[0])

collect = Collect()
logging.getLogger().addHandler(collect)

def attempt(found, what, fn):
    collect.records.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except Exception as e:
            found.append(f"{what}: {type(e).__name__}: {str(e).splitlines()[0]}")
    notes = [f"{w.category.__name__}: {w.message}" for w in caught] + collect.records
    for note in dict.fromkeys(notes):
        found.append(f"{what}: {note}")

def read_and_validate(path):
    nbformat.validate(nbformat.read(path, as_version=4))

results = {}
for path, out in json.load(sys.stdin):
    found = []
    text = open(path, encoding="utf-8").read()
    attempt(found, "nbformat.read(as_version=4) + validate", lambda: read_and_validate(path))
    attempt(found, "nbformat.reads(as_version=NO_CONVERT)", lambda: nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    nb = json.loads(text)
    validator = get_validator(nb.get("nbformat"), nb.get("nbformat_minor"), name="jsonschema")
    for error in list(validator.iter_errors(nb))[:5]:
        leaf = best_match([error])  # the innermost reason, not the whole failing cell
        found.append("schema: /" + "/".join(map(str, leaf.absolute_path)) + ": " + leaf.message[:300])
    attempt(found, "nbformat.write(nbformat.read(as_version=4))", lambda: nbformat.write(nbformat.read(path, as_version=4), out))
    results[path] = found
print(json.dumps(results))
`;

interface Verdict {
  problems: string[];
  /** What nbformat writes after reading the file. */
  rewritten: string;
}

async function nbformatVerdicts(paths: string[]): Promise<Map<string, Verdict>> {
  const tmp = await mkdtemp(join(tmpdir(), "nbformat-check-"));
  try {
    const jobs = paths.map((p, i) => [p, join(tmp, `${i}.ipynb`)] as const);
    const child = run(python, ["-c", CHECK], { maxBuffer: 64 << 20 });
    child.child.stdin!.end(JSON.stringify(jobs));
    const found = JSON.parse((await child).stdout) as Record<string, string[]>;
    const verdicts = new Map<string, Verdict>();
    for (const [path, out] of jobs) {
      verdicts.set(path, { problems: found[path] ?? [], rewritten: await readFile(out, "utf8").catch(() => "") });
    }
    return verdicts;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Every problem of every notebook, as one readable message (empty when all are fine). */
async function check(files: { path: string; label: string }[]): Promise<string> {
  const verdicts = await nbformatVerdicts(files.map((f) => f.path));
  const report: string[] = [];
  for (const { path, label } of files) {
    const { problems, rewritten } = verdicts.get(path)!;
    for (const p of problems) report.push(`${label}: ${p}`);
    const original = await readFile(path, "utf8");
    if (rewritten !== original) {
      const patch = createTwoFilesPatch(label, label, original, rewritten, "as written", "after nbformat read + write", { context: 2 });
      report.push(`${label}: nbformat's read + write changes the file\n${patch.split("\n").slice(1, 60).join("\n")}`);
    }
  }
  return report.join("\n\n");
}

test("the committed notebooks are valid nbformat and survive nbformat's read + write unchanged", TIMEOUT, async (t) => {
  if (!prerequisite(t, hasNbformat(), `${python} cannot import nbformat`)) return;
  const report = await check(names.map((n) => ({ path: join(projectRoot, "notebooks", n), label: `notebooks/${n}` })));
  assert.equal(report, "", report);
});
