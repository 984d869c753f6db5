import type { INotebookContent } from "@jupyterlab/nbformat";
import type { JsonValue } from "./json-parse.js";
import { isOldNotebook, upgradeNotebook } from "./upgrade.js";

/** The largest notebook the build reads, and so the largest it writes. */
export const MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024;

/**
 * A notebook file's JSON as every stage sees it, for stages that read a notebook without
 * validating it (opt-outs, variants, the index order): nbformat 2 and 3 upgraded to 4 as the
 * reader upgrades them. Undefined for what is not JSON or not a notebook; the build reports it.
 */
export function storedNotebook(text: string): INotebookContent | undefined {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
  if (isOldNotebook(value)) {
    const upgraded = upgradeNotebook(value);
    if (typeof upgraded === "string") return undefined;
    value = upgraded;
  }
  const nb = value as unknown as INotebookContent;
  return typeof nb === "object" && nb !== null && Array.isArray(nb.cells) && typeof nb.metadata === "object" && nb.metadata !== null ? nb : undefined;
}
