import { readFile } from "node:fs/promises";
import type { PageSummary } from "../render/html.js";
import type { ToolStamp } from "./fingerprint.js";
import { writeIfChanged } from "../write/atomic.js";

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
}

export async function loadState(file: string): Promise<BuildState> {
  try {
    const state = JSON.parse(await readFile(file, "utf8")) as BuildState;
    if (state.version === 1 && typeof state.notebooks === "object") return state;
  } catch {
    // Missing or unreadable: start afresh, the cache only saves time.
  }
  return { version: 1, notebooks: {} };
}

export async function saveState(file: string, state: BuildState): Promise<void> {
  await writeIfChanged(file, JSON.stringify(state, null, 1) + "\n");
}
