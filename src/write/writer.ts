import { createHash } from "node:crypto";
import { dirname, join, relative, resolve } from "node:path";
import { DocsError } from "../errors.js";
import type { Project } from "../project.js";
import { Bounds } from "./bounds.js";
import { errnoCode, nodeFileSystem, readIfPresent, type FileSystem } from "./fs-layer.js";
import { emptyManifest, fromManifest, MANIFEST_NAME, manifestPath, readManifest, serializeManifest, type Manifest } from "./manifest.js";
import { commitUnit, recoverUnit, type Change } from "./unit.js";

/** What one notebook's build asks to be written. */
export interface NotebookFiles {
  /** The notebook as messages name it (relative to the project). */
  label: string;
  notebookPath: string;
  /**
   * sha256 of the notebook as it was read, to detect an edit made while it was built; absent
   * for pages made from the notebook with other parameters (a variant), which never write it
   * and may be built while the notebook's own build rewrites it.
   */
  sourceHash?: string;
  /** The executed notebook, when it is to be written back. */
  notebookText?: string;
  /** Every file of the page, absolute path → content. */
  pages: Map<string, Buffer>;
}

/** Where a build writes: the folders, and the manifest of what it wrote there. */
export interface OutputPlace {
  /** The folder manifest entries are relative to. */
  base: string;
  /** The manifest file. */
  manifest: string;
  /** Folders the build writes into besides the project (an --out-dir, an IG); never through a link below them. */
  roots: string[];
  /** When given, every target must lie inside one of these. */
  only?: string[];
}

/** docs/ (or --out-dir), its manifest inside it. */
export function docsOutput(project: Project): OutputPlace {
  return { base: project.docsDir, manifest: join(project.docsDir, MANIFEST_NAME), roots: [project.root, project.docsDir] };
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The one place the build writes, renames and deletes files. A notebook's files (notebook,
 * pages, extracted files, its line in the manifest) commit as one unit; units run one at a
 * time; nothing is written through a link or outside the project and the docs folder; only
 * files the manifest says the build wrote are ever deleted.
 */
export class DocsWriter {
  private queue: Promise<unknown> = Promise.resolve();
  readonly bounds: Bounds;
  readonly journalPath: string;
  readonly manifestFile: string;

  private readonly base: string;

  private constructor(
    readonly project: Project,
    readonly fs: FileSystem,
    private manifest: Manifest,
    output: OutputPlace,
  ) {
    this.bounds = new Bounds(output.roots, this.show, output.only);
    this.journalPath = journalPathOf(project, output.base);
    this.manifestFile = output.manifest;
    this.base = output.base;
  }

  /** Opens the writer: finishes or undoes what a stopped build left, reads the manifest. */
  static async open(project: Project, warn: (line: string) => void, fs: FileSystem = nodeFileSystem, output: OutputPlace = docsOutput(project)): Promise<DocsWriter> {
    const writer = new DocsWriter(project, fs, emptyManifest(), output);
    // First finish what a stopped build left: its unit may include the manifest.
    const recovered = await recoverUnit(fs, writer.journalPath, writer.bounds, writer.show, { root: project.root, docsDir: output.base, manifestName: relative(output.base, output.manifest) });
    if (recovered) warn(recovered);
    // A unit another output folder's build left is that build's to finish: kept, and said.
    const others = (await fs.readdir(dirname(writer.journalPath)).catch(() => [] as string[]))
      .filter((n) => /^docs-journal(-[0-9a-f]+)?\.json$/.test(n) && join(dirname(writer.journalPath), n) !== writer.journalPath);
    for (const name of others.sort()) {
      const folder = await journalFolder(fs, join(dirname(writer.journalPath), name));
      warn(`a build into ${folder ? writer.show(folder) : "another docs folder"} was stopped while writing (${writer.show(join(dirname(writer.journalPath), name))}); the next build into that folder finishes or undoes it`);
    }
    const { manifest, problem } = await readManifest(fs, output.manifest);
    if (problem) warn(problem);
    writer.manifest = manifest;
    return writer;
  }

  readonly show = (path: string): string => {
    const rel = relative(this.project.root, path);
    return rel === "" || rel.startsWith("..") ? path : rel;
  };

  /** Runs units one after another: they share the manifest and the journal. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(changes: Change[], next: Manifest, beforeCommit?: () => Promise<void>): Promise<string[]> {
    changes.push({ path: this.manifestFile, content: serializeManifest(next) });
    const written = await commitUnit(changes, { fs: this.fs, bounds: this.bounds, journalPath: this.journalPath, show: this.show, ...(beforeCommit ? { beforeCommit } : {}) });
    this.manifest = next;
    return written.filter((p) => p !== this.manifestFile);
  }

  /**
   * Writes a notebook's files as one unit, deletes the files its previous build wrote that it
   * no longer produces, and refuses to write anything when the notebook changed on disk since
   * it was read.
   */
  commitNotebook(files: NotebookFiles): Promise<string[]> {
    return this.serial(async () => {
      const docs = this.base;
      const produced = new Set([...files.pages.keys()].map((p) => manifestPath(docs, p)));
      const previous = this.manifest.pages[files.label] ?? [];
      const changes: Change[] = [...files.pages].map(([path, content]) => ({ path, content }));
      for (const entry of previous) if (!produced.has(entry)) changes.push({ path: fromManifest(docs, entry), content: null });
      if (files.notebookText !== undefined) changes.push({ path: files.notebookPath, content: Buffer.from(files.notebookText, "utf8") });
      const next: Manifest = { ...this.manifest, pages: { ...this.manifest.pages, [files.label]: [...produced] } };
      return this.commit(changes, next, async () => {
        if (files.sourceHash === undefined) return;
        const now = await readIfPresent(this.fs, files.notebookPath);
        if (now === undefined || sha256(now) !== files.sourceHash) {
          throw new DocsError("ERR_NOTEBOOK_CHANGED", `${files.label}: the notebook changed during the build (saved while it ran?); nothing was written for it: build it again`);
        }
      });
    });
  }

  /** Records pages that are already in place (a cached build) without writing them. */
  recordPages(label: string, paths: readonly string[]): Promise<string[]> {
    return this.serial(async () => {
      const entries = paths.map((p) => manifestPath(this.base, p));
      const known = this.manifest.pages[label];
      if (known && known.length === entries.length && entries.every((e) => known.includes(e))) return [];
      return this.commit([], { ...this.manifest, pages: { ...this.manifest.pages, [label]: entries } });
    });
  }

  /** Deletes the pages of notebooks that no longer exist; returns what was deleted. */
  removeOrphans(): Promise<string[]> {
    return this.serial(async () => {
      const orphans = await orphanLabels(this.fs, this.project, this.manifest);
      if (orphans.length === 0) return [];
      const pages = { ...this.manifest.pages };
      const changes: Change[] = [];
      for (const label of orphans) {
        for (const entry of pages[label] ?? []) changes.push({ path: fromManifest(this.base, entry), content: null });
        delete pages[label];
      }
      return this.commit(changes, { ...this.manifest, pages });
    });
  }

  /** A file of the site itself (the index), written alone. */
  writeFile(path: string, content: Buffer): Promise<boolean> {
    return this.serial(async () => (await commitUnit([{ path, content }], { fs: this.fs, bounds: this.bounds, journalPath: this.journalPath, show: this.show })).length > 0);
  }
}

/**
 * Where a unit's journal lives while it commits: local to the checkout, like the cache; one per
 * docs folder, so that a build into docs/ never drops the unfinished unit of an --out-dir build.
 */
export function journalPathOf(project: Project, folder: string = project.docsDir): string {
  const docs = resolve(folder);
  const name = docs === join(project.root, "docs") ? "docs-journal.json" : `docs-journal-${createHash("sha256").update(docs).digest("hex").slice(0, 16)}.json`;
  return join(project.root, ".cache", name);
}

/** The docs folder a journal's files are in (its first target's), for a message. */
async function journalFolder(fs: FileSystem, path: string): Promise<string | undefined> {
  try {
    const raw = await readIfPresent(fs, path);
    const target = (JSON.parse(raw?.toString("utf8") ?? "null") as { renames?: { target?: unknown }[] } | null)?.renames?.[0]?.target;
    return typeof target === "string" ? dirname(target) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Notebooks the manifest has pages for that are no longer on disk. A variant's pages are listed
 * under `<notebook>#<variant>` (a run with parameters: `<notebook>?<key>`): they belong to the
 * notebook's file.
 */
export async function orphanLabels(fs: FileSystem, project: Project, manifest: Manifest): Promise<string[]> {
  const exists = async (label: string): Promise<boolean> => {
    try {
      await fs.lstat(join(project.root, label));
      return true;
    } catch (e) {
      if (errnoCode(e) === "ENOENT") return false;
      throw e;
    }
  };
  const orphans: string[] = [];
  for (const label of Object.keys(manifest.pages).sort()) {
    const notebook = label.replace(/[#?][^#?/]*$/, "");
    if (!(await exists(label)) && (notebook === label || !(await exists(notebook)))) orphans.push(label);
  }
  return orphans;
}
