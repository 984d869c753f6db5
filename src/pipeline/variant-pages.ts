import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { sha256 } from "../cache/fingerprint.js";
import { NotebookError } from "../execute/errors.js";
import type { KeyRing } from "../tokens/keyring.js";
import { readIfExists } from "../write/atomic.js";
import type { BuildSettings, NotebookProduct } from "./build-notebook.js";
import type { NotebookJob } from "./jobs.js";

/**
 * A variant under `--no-execute`. Its executed notebook is kept nowhere, so the only outputs
 * there are to render are those of its committed page: the Markdown and extracted files stay
 * as they are and the HTML is rendered from them. Without a committed page it cannot be built.
 */
export async function renderCommittedVariant(job: NotebookJob, settings: Pick<BuildSettings, "tool">, ring: KeyRing): Promise<NotebookProduct> {
  const committed = job.committedPage ?? join(job.docsDir, `${job.name}.md`);
  const markdown = await readIfExists(committed);
  if (markdown === undefined) {
    throw new NotebookError(job.label, `cannot render variant "${job.variant?.name}" without executing it: there is no committed page ${relative(process.cwd(), committed)} to take its outputs from; build without --no-execute`);
  }
  // The page and its extracted files as committed, at the place this build writes to.
  const committedFiles = join(dirname(committed), `${job.name}_files`);
  const extractDir = join(job.docsDir, `${job.name}_files`);
  const files = new Map<string, Buffer>([[join(job.docsDir, `${job.name}.md`), markdown]]);
  for (const name of await readdir(committedFiles).catch(() => [])) {
    const content = await readIfExists(join(committedFiles, name));
    if (content !== undefined) files.set(join(extractDir, name), content);
  }
  const { renderPage } = await import("../render/html.js");
  const { notebookTitle } = await import("./notebook-title.js");
  const page = await renderPage(job.name, markdown.toString("utf8"), ring, { title: await notebookTitle(job.path) });
  files.set(join(job.docsDir, `${job.name}.html`), Buffer.from(page.html, "utf8"));
  return {
    job,
    status: "rendered",
    sourceHash: sha256(await readFile(job.path)),
    cells: 0,
    files,
    extractDir,
    summary: page.summary,
    // Empty fingerprints: the next build that executes runs the variant again.
    record: { inputs: "", outputs: "", notebook: "", tool: settings.tool, dir: job.docsDir, files: Object.fromEntries([...files].map(([p, c]) => [p, sha256(c)])), summary: page.summary, cells: 0 },
  };
}
