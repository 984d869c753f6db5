import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { storedNotebook } from "../notebook/stored.js";
import type { PageSummary } from "../render/html.js";

/**
 * Where each page goes in docs/index.html: a notebook may say `"docs": {"index": N}` in its
 * metadata (the specification's pages keep the specification's order). Read only when the index
 * is rendered, so a no-op build does not parse the notebooks for it.
 */
export async function indexOrder(root: string, pages: readonly [label: string, summary: PageSummary][]): Promise<Map<string, number>> {
  const order = new Map<string, number>();
  for (const [label, summary] of pages) {
    const text = await readFile(join(root, label), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    // An unreadable notebook is reported where it is built; here it only loses its place.
    const position = (storedNotebook(text)?.metadata.docs as { index?: unknown } | undefined)?.index;
    if (typeof position === "number" && Number.isFinite(position)) order.set(summary.name, position);
  }
  return order;
}
