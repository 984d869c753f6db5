import { basename, join, posix, relative, sep } from "node:path";
import { readIfPresent, type FileSystem } from "./fs-layer.js";

/** The committed record of what the build wrote into a docs folder, beside the pages. */
export const MANIFEST_NAME = ".docs-manifest.json";

/**
 * Which files each notebook's build wrote, relative to the docs folder, by notebook (relative
 * to the project). Committed with the pages, so a fresh clone knows them too: the build deletes
 * only files listed here, never an author's file.
 */
export interface Manifest {
  generator: "build-docs";
  pages: Record<string, string[]>;
}

export function emptyManifest(): Manifest {
  return { generator: "build-docs", pages: {} };
}

function isManifest(value: unknown): value is Manifest {
  const m = value as Manifest;
  return (
    typeof m === "object" && m !== null && m.generator === "build-docs" && typeof m.pages === "object" && m.pages !== null && !Array.isArray(m.pages) &&
    Object.values(m.pages).every((files) => Array.isArray(files) && files.every((f) => typeof f === "string" && f !== "" && !f.startsWith("/") && !f.split("/").includes("..")))
  );
}

/** A manifest file (docs/.docs-manifest.json); an absent or unreadable one is empty (nothing will be deleted). */
export async function readManifest(fs: FileSystem, file: string): Promise<{ manifest: Manifest; problem?: string }> {
  const raw = await readIfPresent(fs, file);
  if (raw === undefined) return { manifest: emptyManifest() };
  try {
    const value: unknown = JSON.parse(raw.toString("utf8"));
    if (isManifest(value)) return { manifest: value };
  } catch {
    // Reported below.
  }
  return { manifest: emptyManifest(), problem: `${basename(file)} is not a manifest the build wrote; it is rewritten, and no page is deleted this time` };
}

/** A stable layout: sorted notebooks and files, indent 1, final newline; a rebuild changes nothing. */
export function serializeManifest(manifest: Manifest): Buffer {
  const pages: Record<string, string[]> = {};
  for (const label of Object.keys(manifest.pages).sort()) pages[label] = [...new Set(manifest.pages[label])].sort();
  return Buffer.from(JSON.stringify({ generator: manifest.generator, pages }, null, 1) + "\n", "utf8");
}

/** A path under the docs folder as the manifest spells it (posix separators). */
export function manifestPath(docsDir: string, path: string): string {
  return relative(docsDir, path).split(sep).join(posix.sep);
}

export function fromManifest(docsDir: string, entry: string): string {
  return join(docsDir, ...entry.split(posix.sep));
}
