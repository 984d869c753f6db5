import { existsSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { cloneJson } from "../notebook/clone.js";
import { cellOutputs } from "../tokens/output-text.js";
import type { Stabilizer } from "../stages/types.js";

const rootCache = new Map<string, string>();

/** The nearest ancestor of dir (dir included) holding a package.json; dir itself if none does. */
export function findProjectRoot(dir: string): string {
  const start = resolve(dir);
  const cached = rootCache.get(start);
  if (cached !== undefined) return cached;
  let root = start;
  for (let d = start; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) {
      root = d;
      break;
    }
    if (dirname(d) === d) break;
  }
  rootCache.set(start, root);
  return root;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Characters that end a path in messages and stack traces: "file.ts:12:3", "(file.ts)", quotes,
// ANSI colour codes.
const PATH_REST = String.raw`(?:/[^\s:'"()<>\x60,;\x1b]*)?`;
const BOUNDARY = String.raw`(?![^/\s:'"()<>\x60,;\x1b])`;

function toPosix(p: string): string {
  return sep === "/" ? p : p.split(sep).join("/");
}

/**
 * Makes machine-specific absolute paths readable anywhere: every path (plain, or a file:// URL)
 * inside the project root becomes relative to notebookDir, e.g.
 * "file:///work/main/node_modules/jose/dist/x.js:12:3" → "../node_modules/jose/dist/x.js:12:3"
 * for notebooks in /work/main/notebooks. Paths outside the project (/tmp, the Node install, …)
 * are left as they are. projectRoot defaults to the nearest ancestor of notebookDir with a
 * package.json.
 */
export function relativizePaths(text: string, notebookDir: string, projectRoot?: string): string {
  const dir = resolve(notebookDir);
  const root = resolve(projectRoot ?? findProjectRoot(dir));
  const roots = new Set([root]);
  try {
    roots.add(realpathSync(root));
  } catch {
    // a root that does not exist on this machine can still appear in text
  }
  let out = text;
  for (const r of roots) {
    const url = pathToFileURL(r).href.replace(/\/$/, "");
    const pattern = new RegExp(
      String.raw`${escapeRegExp(url)}(${PATH_REST})${BOUNDARY}|(?<![\w.\-/])${escapeRegExp(r.replace(/\/$/, ""))}(${PATH_REST})${BOUNDARY}`,
      "g",
    );
    out = out.replace(pattern, (whole, urlRest: string | undefined, pathRest: string | undefined) => {
      let rest: string;
      if (urlRest !== undefined) {
        try {
          rest = decodeURIComponent(urlRest);
        } catch {
          return whole;
        }
      } else {
        rest = pathRest ?? "";
      }
      const target = r + rest;
      const rel = toPosix(relative(dir, target));
      return rel === "" ? "." : rel;
    });
  }
  return out;
}

function relativizeValue(value: unknown, rewrite: (text: string) => string): unknown {
  if (typeof value === "string") return rewrite(value);
  if (Array.isArray(value)) return value.map((v) => relativizeValue(v, rewrite));
  return value;
}

// A stack frame as Node prints it ("    at f (file:///…/x.js:1:2)"), possibly coloured.
const STACK_FRAME = /^(?:\x1b\[[0-9;]*m)*\s+at\s/;

/**
 * What a stream says about the kernel's own files: the paths in stack-frame lines, and file://
 * URLs inside the notebook's folder. Any other text that merely contains a path is the
 * notebook's own output and stays as printed.
 */
export function relativizeStreamText(text: string, notebookDir: string, projectRoot: string): string {
  const dir = resolve(notebookDir);
  return text
    .split(/(?<=\n)/)
    .map((line) => {
      if (STACK_FRAME.test(line)) return relativizePaths(line, dir, projectRoot);
      // With the notebook's folder as the root, only URLs inside it are rewritten.
      const url = pathToFileURL(dir).href.replace(/\/$/, "");
      if (!line.includes(url)) return line;
      return line.replace(new RegExp(`${escapeRegExp(url)}${PATH_REST}${BOUNDARY}`, "g"), (found) => relativizePaths(found, dir, dir));
    })
    .join("");
}

/**
 * Paths the kernel wrote about its own files, made relative to the notebook: everywhere in an
 * error's message and traceback (where a Node kernel puts compile errors and stack traces); in
 * streams only stack frames and file:// URLs of the notebook's folder. Returns a new notebook.
 */
export function relativizeOutputs(nb: INotebookContent, notebookDir: string, projectRoot?: string): INotebookContent {
  const result = cloneJson(nb);
  const root = projectRoot ?? findProjectRoot(notebookDir);
  for (const cell of result.cells) {
    for (const output of cellOutputs(cell)) {
      const o = output as Record<string, unknown>;
      if (output.output_type === "stream") {
        o.text = relativizeValue(o.text, (t) => relativizeStreamText(t, notebookDir, root));
      } else if (output.output_type === "error") {
        o.evalue = relativizeValue(o.evalue, (t) => relativizePaths(t, notebookDir, root));
        o.traceback = relativizeValue(o.traceback, (t) => relativizePaths(t, notebookDir, root));
      }
    }
  }
  return result;
}

/** Only for kernels whose profile says their text carries machine paths; tracebacks of others stay as written. */
export const relativePathsStage: Stabilizer = {
  name: "relative paths",
  // The root is the notebook's own (nearest package.json), also for a notebook from elsewhere.
  apply: (nb, ctx) => (ctx.kernel?.rewritesPaths === false ? nb : relativizeOutputs(nb, ctx.notebookDir)),
};
