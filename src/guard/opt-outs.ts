import type { INotebookContent } from "@jupyterlab/nbformat";
import { UNVERIFIED_TOKEN_TAG } from "../tokens/tags.js";
import { cellTags } from "../tokens/output-text.js";
import { MAX_NOTEBOOK_BYTES, storedNotebook } from "../notebook/stored.js";

/** The notebook's "docs" metadata, when it is an object. */
function docsMetadata(nb: INotebookContent): Record<string, unknown> {
  const docs = (nb.metadata as { docs?: unknown } | undefined)?.docs;
  return typeof docs === "object" && docs !== null && !Array.isArray(docs) ? (docs as Record<string, unknown>) : {};
}

/** Whether the notebook turns the private key guards off ("docs": {"allow_private_keys": true}). */
export function privateKeysAllowed(nb: INotebookContent): boolean {
  return docsMetadata(nb).allow_private_keys === true;
}

/**
 * The guards a notebook turns off, one phrase each, for the line a reviewer reads
 * (`opt-outs notebooks/x.ipynb: allow_private_keys; unverified-token on cells 4, 7`).
 */
export function optOuts(nb: INotebookContent): string[] {
  const out: string[] = [];
  if (privateKeysAllowed(nb)) out.push('"docs": {"allow_private_keys": true}');
  const tagged = nb.cells.flatMap((cell, i) => (cell.cell_type === "code" && cellTags(cell).includes(UNVERIFIED_TOKEN_TAG) ? [i + 1] : []));
  if (tagged.length > 0) out.push(`tag "${UNVERIFIED_TOKEN_TAG}" on cell${tagged.length > 1 ? "s" : ""} ${tagged.join(", ")}`);
  return out;
}

/** Each notebook's opt-outs, read from its file (notebooks that cannot be read are left to the build). */
export async function notebookOptOuts(paths: readonly string[], labelOf: (path: string) => string): Promise<Array<{ label: string; optOuts: string[] }>> {
  const { readBounded } = await import("../io/read-bounded.js");
  const out: Array<{ label: string; optOuts: string[] }> = [];
  for (const path of paths) {
    try {
      const nb = storedNotebook((await readBounded(path, MAX_NOTEBOOK_BYTES)).toString("utf8"));
      if (!nb) continue;
      const found = optOuts(nb);
      if (found.length > 0) out.push({ label: labelOf(path), optOuts: found });
    } catch {
      // The build reports an unreadable notebook itself.
    }
  }
  return out;
}
