import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { promisify } from "node:util";
import { commandWorks } from "./require.js";

const run = promisify(execFile);

/** Debian's Python, the one with nbformat and nbconvert (not a pyenv shim). */
export const python = "/usr/bin/python3";
export const hasNbformat = (): boolean => commandWorks(python, ["-c", "import nbformat"]);

export interface NbconvertMarkdown {
  markdown: Buffer;
  /** Every other file nbconvert wrote, by path relative to the .md's folder. */
  files: Map<string, Buffer>;
}

/**
 * nbconvert's TagRemovePreprocessor set to the tags the build honours (as Jupyter Book sets it):
 * what the build's pages are compared with.
 */
export const TAG_REMOVE_ARGS = [
  "--TagRemovePreprocessor.enabled=True",
  '--TagRemovePreprocessor.remove_cell_tags=["remove-cell"]',
  '--TagRemovePreprocessor.remove_input_tags=["remove-input"]',
  '--TagRemovePreprocessor.remove_all_outputs_tags=["remove-output"]',
];

/**
 * Runs the real `jupyter-nbconvert --to markdown` on copies of the given notebooks
 * (one process for all of them) and returns what it wrote, by notebook name. `removeTags`:
 * with TagRemovePreprocessor set as the build's pages honour the tags; without, nbconvert's
 * default (what the renderer's template alone is compared with).
 */
export async function nbconvertMarkdown(notebooks: string[], options: { removeTags?: boolean } = {}): Promise<Map<string, NbconvertMarkdown>> {
  const tmp = await mkdtemp(join(tmpdir(), "nbconvert-"));
  try {
    const inDir = join(tmp, "in");
    const outDir = join(tmp, "out");
    await mkdir(inDir);
    const copies: string[] = [];
    for (const nb of notebooks) {
      const copy = join(inDir, basename(nb));
      await copyFile(nb, copy);
      copies.push(copy);
    }
    const tags = options.removeTags ? TAG_REMOVE_ARGS : [];
    await run("jupyter-nbconvert", ["--to", "markdown", ...tags, "--output-dir", outDir, ...copies], { maxBuffer: 64 << 20 });
    const written = await listFiles(outDir);
    const results = new Map<string, NbconvertMarkdown>();
    for (const nb of notebooks) {
      const name = basename(nb).replace(/\.ipynb$/, "");
      const files = new Map<string, Buffer>();
      for (const rel of written.filter((f) => f.startsWith(`${name}_files/`))) {
        files.set(rel, await readFile(join(outDir, rel)));
      }
      results.set(name, { markdown: await readFile(join(outDir, `${name}.md`)), files });
    }
    const claimed = new Set([...results].flatMap(([name, r]) => [`${name}.md`, ...r.files.keys()]));
    const stray = written.filter((f) => !claimed.has(f));
    if (stray.length) throw new Error(`nbconvert wrote files no notebook accounts for: ${stray.join(", ")}`);
    return results;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface NbformatResults {
  /** By input path: what `nbformat.write(nbformat.read(path, 4), out)` writes. */
  written: Map<string, Buffer>;
  /** By path: the first nbformat schema error, or undefined when the file is valid. */
  problems: Map<string, string | undefined>;
}

/**
 * One Python process for many files (importing nbformat dominates the time):
 * round-trips `roundTrip` through nbformat.read/write and schema-checks `validate`.
 */
export async function nbformatResults(roundTrip: string[], validate: string[]): Promise<NbformatResults> {
  const tmp = await mkdtemp(join(tmpdir(), "nbformat-"));
  try {
    // The schema check alone: nbformat.validate would first repair missing cell ids.
    const script = [
      "import json, sys, nbformat",
      "from nbformat.validator import get_validator",
      "jobs = json.load(sys.stdin)",
      "for src, dst in jobs['roundTrip']:",
      "    nbformat.write(nbformat.read(src, 4), dst)",
      "problems = {}",
      "for path in jobs['validate']:",
      "    nb = json.load(open(path, encoding='utf-8'))",
      "    errors = list(get_validator(nb['nbformat'], nb['nbformat_minor']).iter_errors(nb))",
      "    problems[path] = errors[0].message if errors else None",
      "print(json.dumps(problems))",
    ].join("\n");
    const pairs = roundTrip.map((src, i) => [src, join(tmp, `${i}.ipynb`)] as const);
    const child = run(python, ["-c", script], { maxBuffer: 64 << 20 });
    child.child.stdin!.end(JSON.stringify({ roundTrip: pairs, validate }));
    const { stdout } = await child;
    const problems = new Map<string, string | undefined>(
      Object.entries(JSON.parse(stdout) as Record<string, string | null>).map(([k, v]) => [k, v ?? undefined]),
    );
    const written = new Map<string, Buffer>();
    for (const [src, dst] of pairs) written.set(src, await readFile(dst));
    return { written, problems };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split("\\").join("/"));
}
