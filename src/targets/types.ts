import type { NotebookJob } from "../pipeline/jobs.js";
import type { Renderer } from "../stages/types.js";
import type { OutputPlace } from "../write/writer.js";

/**
 * Where the rendered pages go and in which shape. docs/ (Markdown and HTML, an index) and an
 * IG's input/pages + input/images are two targets of the same pages: a target decides file
 * names, formats and escaping; the pipeline, the checks and the one writer stay the same.
 */
export interface Target {
  readonly kind: "docs" | "ig";
  /** The page's formats, in order (a renderer sees the files of those before it); imported when there is work. */
  renderers(): Promise<readonly Renderer[]>;
  /**
   * Whether the executed notebook is published beside the page (the IG's input/images): then
   * the checks see all of it, removed cells included, not only what the page shows.
   */
  readonly publishesNotebook: boolean;
  /** Whether the target is the project's site: its index, the build cache, the no-op stamp, variant pages. */
  readonly site: boolean;
  /** The folders the writer may write into and the manifest of what it wrote there. */
  readonly output: OutputPlace;
  /** The jobs of the notebooks given, placed where this target writes. */
  place(jobs: readonly NotebookJob[]): NotebookJob[];
}
