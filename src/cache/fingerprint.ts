import { createHash } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import { NotebookUsageError } from "../execute/errors.js";
import { BoundedReadError, readBounded } from "../io/read-bounded.js";
import { MAX_KEY_FILE_BYTES } from "../tokens/keyring.js";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { joinText } from "../kernel/to-output.js";
import { readDocsMetadata } from "../notebook/docs-metadata.js";
import { kernelNameOf } from "../notebook/kernel-name.js";
import { localImports } from "./local-imports.js";

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Files a notebook declares it reads besides keys/, in `metadata.docs.depends` (paths relative to it). */
export function declaredDependencies(nb: INotebookContent): string[] {
  return readDocsMetadata(nb).depends;
}

async function filesUnder(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true, recursive: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
  } catch {
    return [];
  }
}

/** The files and folders a fingerprint was made from, for the no-op build's stamp (cache/noop-stamp.ts). */
export interface InputReads {
  files: Set<string>;
  dirs: Set<string>;
}

/**
 * Everything a notebook's outputs depend on: its code cells, its kernel and what its profile
 * says changes the kernel's output (versions, the kernelspec), the key files, the local files
 * its code imports and the files it declares. Equal fingerprints mean re-executing would print
 * the same (randomized signatures aside).
 */
export async function inputsFingerprint(nb: INotebookContent, notebookPath: string, keysDir: string, kernel: Readonly<Record<string, string>>, reads?: InputReads): Promise<string> {
  const hash = createHash("sha256");
  const add = (label: string, value: string | Buffer): void => {
    hash.update(`${label}\0${Buffer.byteLength(value)}\0`).update(value);
  };
  add("kernel", kernelNameOf(nb) ?? "");
  for (const [name, version] of Object.entries(kernel)) add(`version:${name}`, version);
  const code = nb.cells.filter((cell) => cell.cell_type === "code").map((cell) => joinText(cell.source));
  for (const source of code) add("code", source);
  reads?.dirs.add(keysDir);
  for (const file of await filesUnder(keysDir)) {
    reads?.files.add(file);
    reads?.dirs.add(dirname(file));
    const content = await readBounded(file, MAX_KEY_FILE_BYTES).catch((e: unknown) => {
      if (!(e instanceof BoundedReadError)) throw e;
      const root = dirname(keysDir);
      throw new NotebookUsageError(relative(root, notebookPath), `cannot read ${relative(root, file)}: ${e.reason}`);
    });
    add(`key:${relative(keysDir, file)}`, content);
  }
  const dir = dirname(notebookPath);
  for (const file of await localImports(code, notebookPath)) {
    // Its folder too: a file added there may be found first (server.ts before server/index.ts).
    reads?.files.add(file.path);
    reads?.dirs.add(dirname(file.path));
    add(`import:${relative(dir, file.path)}`, file.text ?? "(missing)");
  }
  const dependencies = declaredDependencies(nb);
  const { readDependency } = dependencies.length > 0 ? await import("./depends.js") : { readDependency: undefined };
  for (const dep of dependencies) {
    const path = resolve(notebookPath, "..", dep);
    reads?.files.add(path);
    reads?.dirs.add(dirname(path));
    add(`depends:${dep}`, (await readDependency!(dep, notebookPath, dirname(keysDir))) ?? Buffer.from("(missing)"));
  }
  return hash.digest("hex");
}

/**
 * What a page is made of besides the outputs: every cell's type, source and tags, and the
 * notebook's title and `docs` settings; not what execution or the writer's normalizing changes
 * (outputs, counts, ids, `language_info`). A job whose notebook is not its own to keep (a variant)
 * has no stored notebook bytes to compare, so this stands for them.
 */
export function pageSourceFingerprint(nb: INotebookContent): string {
  const cells = nb.cells.map((c) => [c.cell_type, joinText(c.source), (c.metadata as { tags?: unknown } | undefined)?.tags ?? null]);
  const { title = null, docs = null } = nb.metadata as { title?: unknown; docs?: unknown };
  // Keys sorted: the notebook's writer sorts them, and a rewrite must not look like an edit.
  return sha256(JSON.stringify([cells, title, docs], (_key, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  ));
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

/** The build's own code files and folders, for the no-op build's stamp. */
export async function toolSources(): Promise<{ files: string[]; dirs: string[] }> {
  const { files } = await toolFiles();
  return { files, dirs: [...new Set([srcDir, ...files.map((f) => dirname(f))])] };
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
