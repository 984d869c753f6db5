import { readBounded } from "../io/read-bounded.js";
import { MAX_NOTEBOOK_BYTES, storedNotebook } from "../notebook/stored.js";

/**
 * A notebook's `metadata.title`, for a page rendered without the notebook parsed (a committed
 * variant's page, an index entry from a page on disk). An unreadable notebook has none: it is
 * reported where it is built, and its page falls back to its first heading.
 */
export async function notebookTitle(path: string): Promise<unknown> {
  const raw = await readBounded(path, MAX_NOTEBOOK_BYTES).catch(() => undefined);
  return raw === undefined ? undefined : storedNotebook(raw.toString("utf8"))?.metadata.title;
}
