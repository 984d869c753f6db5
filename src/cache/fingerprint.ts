import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { NotebookUsageError } from "../execute/errors.js";
import { BoundedReadError, readBounded } from "../io/read-bounded.js";
import { MAX_KEY_FILE_BYTES } from "../tokens/keyring.js";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { joinText } from "../kernel/to-output.js";
import { kernelNameOf } from "../notebook/kernel-name.js";

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Packages whose version changes what a cell prints. */
const RUNTIME_PACKAGES = ["tslab", "@tslab/typescript-for-tslab", "jose"];

let runtimeVersions: Record<string, string> | undefined;
function versions(): Record<string, string> {
  if (runtimeVersions) return runtimeVersions;
  const require = createRequire(import.meta.url);
  const tslabDir = dirname(require.resolve("tslab/package.json"));
  const out: Record<string, string> = { node: process.versions.node.split(".")[0]! };
  for (const name of RUNTIME_PACKAGES) {
    // typescript-for-tslab is tslab's own dependency: resolve it from there.
    const from = name.startsWith("@tslab/") ? createRequire(join(tslabDir, "package.json")) : require;
    out[name] = (JSON.parse(readFileSync(from.resolve(`${name}/package.json`), "utf8")) as { version: string }).version;
  }
  return (runtimeVersions = out);
}

/** Files a notebook declares it reads besides keys/, in `metadata.docs.depends` (paths relative to it). */
export function declaredDependencies(nb: INotebookContent): string[] {
  const docs = nb.metadata.docs as { depends?: unknown } | undefined;
  return Array.isArray(docs?.depends) ? docs.depends.filter((d): d is string => typeof d === "string") : [];
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  } catch {
    return [];
  }
}

/**
 * Everything a notebook's outputs depend on: its code cells, its kernel, the versions of the
 * runtime, the key files and the files it declares. Equal fingerprints mean re-executing
 * would print the same (randomized signatures aside).
 */
export async function inputsFingerprint(nb: INotebookContent, notebookPath: string, keysDir: string): Promise<string> {
  const hash = createHash("sha256");
  const add = (label: string, value: string | Buffer): void => {
    hash.update(`${label}\0${Buffer.byteLength(value)}\0`).update(value);
  };
  add("kernel", kernelNameOf(nb) ?? "");
  for (const [name, version] of Object.entries(versions())) add(`version:${name}`, version);
  for (const cell of nb.cells) if (cell.cell_type === "code") add("code", joinText(cell.source));
  for (const file of await filesUnder(keysDir)) {
    const content = await readBounded(file, MAX_KEY_FILE_BYTES).catch((e: unknown) => {
      if (!(e instanceof BoundedReadError)) throw e;
      const root = dirname(keysDir);
      throw new NotebookUsageError(relative(root, notebookPath), `cannot read ${relative(root, file)}: ${e.reason}`);
    });
    add(`key:${relative(keysDir, file)}`, content);
  }
  const dependencies = declaredDependencies(nb);
  const { readDependency } = dependencies.length > 0 ? await import("./depends.js") : { readDependency: undefined };
  for (const dep of dependencies) {
    add(`depends:${dep}`, (await readDependency!(dep, notebookPath, dirname(keysDir))) ?? Buffer.from("(missing)"));
  }
  return hash.digest("hex");
}

/** What execution wrote into a notebook: outputs and counts of its code cells. */
export function outputsFingerprint(nb: INotebookContent): string {
  const executed = nb.cells.filter((c) => c.cell_type === "code").map((c) => [(c as ICodeCell).outputs, (c as ICodeCell).execution_count]);
  return sha256(JSON.stringify([executed, nb.metadata.language_info ?? null]));
}

/** The build's compiled (or, under tsx, source) modules: src/ or dist/src/. */
const srcDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** The build's own code files, with what a stat says of them. */
async function toolFiles(): Promise<{ files: string[]; statKey: string }> {
  // The benchmark's modules live beside the build's but do not change what it writes.
  const files = (await filesUnder(srcDir)).filter((f) => !f.endsWith(".map") && !relative(srcDir, f).startsWith("bench/"));
  const stats = await Promise.all(files.map(async (f) => {
    const st = await stat(f);
    return `${relative(srcDir, f)}:${st.size}:${st.mtimeMs}`;
  }));
  return { files, statKey: sha256(stats.join("\n")) };
}

export interface ToolStamp {
  statKey: string;
  hash: string;
}

/**
 * The build's own code: a new version may render differently, so it invalidates every page.
 * Hashing the code costs more than a no-op build may spend, so the hash is reused while the
 * files' sizes and times are those it was computed for.
 */
export async function toolFingerprint(previous?: ToolStamp): Promise<ToolStamp> {
  const { files, statKey } = await toolFiles();
  if (previous?.statKey === statKey) return previous;
  const hash = createHash("sha256");
  for (const file of files) hash.update(relative(srcDir, file)).update(await readFile(file));
  return { statKey, hash: hash.digest("hex") };
}
