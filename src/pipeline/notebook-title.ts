import { readFile } from "node:fs/promises";

/**
 * A notebook's `metadata.title`, for a page rendered without the notebook parsed (a committed
 * variant's page, an index entry from a page on disk). An unreadable notebook has none: it is
 * reported where it is built, and its page falls back to its first heading.
 */
export async function notebookTitle(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    return (JSON.parse(text) as { metadata?: { title?: unknown } }).metadata?.title;
  } catch {
    return undefined;
  }
}
