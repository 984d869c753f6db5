import type { INotebookContent } from "@jupyterlab/nbformat";

/** What a notebook tells the build in `metadata.docs`. */
export interface DocsMetadata {
  /** `"allow_private_keys": true`: the notebook shows private keys on purpose. */
  allowPrivateKeys: boolean;
  /** `"depends": [...]`: files besides keys/ its outputs depend on, relative to the notebook. */
  depends: string[];
}

/**
 * The one reader of `metadata.docs`. Only exact values count (`true`, strings): a value of
 * another type is ignored rather than guessed at, as before.
 */
export function readDocsMetadata(nb: INotebookContent): DocsMetadata {
  const docs = (nb.metadata as { docs?: unknown } | undefined)?.docs;
  const record = typeof docs === "object" && docs !== null && !Array.isArray(docs) ? (docs as Record<string, unknown>) : {};
  return {
    allowPrivateKeys: record.allow_private_keys === true,
    depends: Array.isArray(record.depends) ? record.depends.filter((d): d is string => typeof d === "string") : [],
  };
}
