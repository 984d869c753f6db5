import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

// import … from "x", export … from "x", import "x", import("x"), require("x"). A scan, not a
// parse: a specifier that only looks like an import (in a string or comment) costs at most a
// needless re-execution, never a stale page.
const SPECIFIER = /\b(?:from|import|require)\s*\(?\s*(["'])([^"'\n]+)\1/g;

/** Endings tried for a specifier without one, in the order Node's and tslab's resolution try them. */
const CANDIDATES = ["", ".ts", ".tsx", ".js", ".mjs", ".cjs", ".json", "/index.ts", "/index.js"];

/** Relative specifiers (./x, ../x) in TypeScript or JavaScript source. Packages are not local files. */
export function relativeSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = match[2]!;
    if (specifier.startsWith("./") || specifier.startsWith("../")) found.add(specifier);
  }
  return [...found];
}

async function readFirst(base: string): Promise<{ path: string; text: string } | undefined> {
  for (const ending of CANDIDATES) {
    const path = base + ending;
    try {
      return { path, text: await readFile(path, "utf8") };
    } catch {
      // Not this ending (or a folder): try the next.
    }
  }
  return undefined;
}

export interface LocalImport {
  /** Absolute path of the file, or of the unresolved specifier's base when no file matched. */
  path: string;
  /** Its content, or undefined when no file matched (a missing import is part of the fingerprint too). */
  text: string | undefined;
}

/**
 * The local files a notebook's code imports, directly or through each other, found by scanning
 * the code cells and then each file reached. Sorted by path.
 */
export async function localImports(codeCells: readonly string[], notebookPath: string): Promise<LocalImport[]> {
  const seen = new Map<string, LocalImport>();
  const queue: { from: string; source: string }[] = codeCells.map((source) => ({ from: dirname(notebookPath), source }));
  while (queue.length > 0) {
    const { from, source } = queue.shift()!;
    for (const specifier of relativeSpecifiers(source)) {
      const base = resolve(from, specifier);
      const file = await readFirst(base);
      const key = file?.path ?? base;
      if (seen.has(key)) continue;
      seen.set(key, { path: key, text: file?.text });
      if (file && !file.path.endsWith(".json")) queue.push({ from: dirname(file.path), source: file.text });
    }
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
