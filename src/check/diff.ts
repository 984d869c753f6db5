import { createTwoFilesPatch } from "diff";

/** Lines of diff shown per stale file; the rest is summarised, CI logs stay readable. */
const MAX_LINES = 40;

/**
 * A short unified diff of what the build would change in one file, labelled as git labels it:
 * `a/<path>` and `b/<path>`, an absolute path without its leading slash (`a/tmp/ig/…`); the file
 * as it is "on disk" (committed or not: an IG checkout, an --out-dir) against what the build made.
 */
export function shortDiff(label: string, current: Buffer | undefined, next: Buffer | undefined): string {
  if (isBinary(current) || isBinary(next)) {
    if (!current) return `new binary file ${label}\n`;
    if (!next) return `binary file ${label} would be removed\n`;
    return `binary file ${label} differs\n`;
  }
  const path = label.replace(/^\/+/, "");
  const patch = createTwoFilesPatch(
    current ? `a/${path}` : "/dev/null",
    next ? `b/${path}` : "/dev/null",
    current?.toString("utf8") ?? "",
    next?.toString("utf8") ?? "",
    "on disk",
    "built",
    { context: 2 },
  );
  const lines = patch.split("\n").slice(1); // drop the "====" separator line
  if (lines.length <= MAX_LINES) return lines.join("\n");
  return [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more diff lines`, ""].join("\n");
}

function isBinary(content: Buffer | undefined): boolean {
  return content !== undefined && content.subarray(0, 8000).includes(0);
}
