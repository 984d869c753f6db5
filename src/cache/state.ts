import { readFile } from "node:fs/promises";
import type { PageSummary } from "../render/html.js";
import type { ToolStamp } from "./fingerprint.js";

/** What the last successful build of one notebook wrote, to skip the same work next time. */
export interface NotebookRecord {
  inputs: string;
  /** Fingerprint of the executed outputs stored in the notebook. */
  outputs: string;
  /** sha256 of the notebook file as written. */
  notebook: string;
  tool: string;
  /** The folder the page went to: a build into another folder (--out-dir) is not up to date. */
  dir: string;
  /** The set of outputs: sha256 of each file written for the page, by path relative to the project root. */
  files: Record<string, string>;
  summary: PageSummary;
  cells: number;
}

export interface BuildState {
  version: 1;
  notebooks: Record<string, NotebookRecord>;
  /** Fingerprint of the build's own code at the last build. */
  tool?: ToolStamp;
  /** sha256 of docs/index.html as last written. */
  index?: string;
  /** sha256 of the files in keys/ the records were verified against. */
  keys?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";

function isRecord(value: unknown): value is NotebookRecord {
  if (!isObject(value)) return false;
  const { inputs, outputs, notebook, tool, files, summary, cells } = value;
  return (
    isString(inputs) && isString(outputs) && isString(notebook) && isString(tool) && typeof cells === "number" &&
    isObject(files) && Object.values(files).every(isString) &&
    isObject(summary) && isString(summary.file) && isString(summary.title) && isString(summary.name)
  );
}

/** Why a parsed cache cannot be used, or undefined when it has the shape this build writes. */
function shapeProblem(value: unknown): string | undefined {
  if (!isObject(value) || value.version !== 1) return "not a version 1 build state";
  if (!isObject(value.notebooks)) return "no notebook records";
  const bad = Object.entries(value.notebooks).find(([, r]) => !isRecord(r));
  if (bad) return `the record of ${bad[0]} is malformed`;
  const tool = value.tool;
  if (tool !== undefined && !(isObject(tool) && isString(tool.statKey) && isString(tool.hash))) return "the tool stamp is malformed";
  if ((value.index !== undefined && !isString(value.index)) || (value.keys !== undefined && !isString(value.keys))) return "a stamp is malformed";
  return undefined;
}

/**
 * The cache of the last build. A missing one is empty; one that cannot be read or has the wrong
 * shape is ignored with one warning line: the cache only ever saves time.
 */
export async function loadState(file: string, warn: (line: string) => void = () => undefined): Promise<BuildState> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") warn(`ignoring the build cache ${file}: ${(e as Error).message}`);
    return { version: 1, notebooks: {} };
  }
  let problem: string | undefined;
  try {
    const state: unknown = JSON.parse(text);
    problem = shapeProblem(state);
    if (problem === undefined) return state as BuildState;
  } catch (e) {
    problem = `not JSON (${(e as Error).message})`;
  }
  warn(`ignoring the build cache ${file}: ${problem}; everything is built afresh`);
  return { version: 1, notebooks: {} };
}

export function serializeState(state: BuildState): Buffer {
  return Buffer.from(JSON.stringify(state, null, 1) + "\n", "utf8");
}
