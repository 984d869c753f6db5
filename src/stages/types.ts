import type { INotebookContent } from "@jupyterlab/nbformat";
import type { ErrorCode } from "../errors.js";
import type { KernelProfile } from "../kernel/profile.js";
import type { PageSummary } from "../render/html.js";
import type { KeyRing } from "../tokens/keyring.js";

/**
 * The stages after execution share one shape each and sit in lists (src/stages/index.ts), as
 * nbconvert chains preprocessors of one signature: adding a stabilizer, a check or an output
 * format is one file and one line in a list.
 */
export interface StageContext {
  /** The notebook as messages name it (relative to the project root). */
  label: string;
  /** Absolute path of the notebook file. */
  notebookPath: string;
  notebookDir: string;
  projectRoot: string;
  /** Page name: the notebook's base name without .ipynb. */
  name: string;
  /** The notebook as read from disk, before this run executed it. */
  stored: INotebookContent;
  ring: KeyRing;
  /** The folder tokens are verified against, as messages name it ("keys/"). */
  keysLabel: string;
  /** The kernel that executed the notebook in this run; absent when the stored outputs are rendered. */
  kernel?: KernelProfile;
}

/** Makes an executed notebook reproducible (same inputs → same bytes). Pure: returns a new notebook. */
export interface Stabilizer {
  readonly name: string;
  apply(nb: INotebookContent, ctx: StageContext): INotebookContent | Promise<INotebookContent>;
}

/**
 * What a page shows of the executed notebook: the notebook as the page preprocessors left it,
 * and for each of its cells the 0-based index of that cell in the executed notebook (so that
 * messages name cells as Jupyter numbers them).
 */
export interface PageView {
  notebook: INotebookContent;
  origin: number[];
}

/**
 * Turns the executed notebook into what its page shows (cells removed, sources hidden), as
 * nbconvert's preprocessors run before its template. Pure. The checks and renderers see the
 * result; the executed notebook is written whole.
 */
export interface PagePreprocessor {
  readonly name: string;
  apply(view: PageView, ctx: StageContext): PageView;
}

/** One thing wrong with a notebook's outputs; a check reports all of them, never only the first. */
export interface Finding {
  code: ErrorCode;
  /** 1-based position in the notebook's cell list, when a cell is to blame. */
  cell?: number;
  message: string;
}

/** Inspects the outputs that would be published; findings fail the notebook. */
export interface OutputCheck {
  readonly name: string;
  check(nb: INotebookContent, ctx: StageContext): Finding[] | Promise<Finding[]>;
}

/** A page as the renderers build it, in memory. */
export interface RenderedPage {
  /** Its files by path relative to the page's folder: `<name>.md`, `<name>_files/…`, `<name>.html`. */
  files: Map<string, Buffer>;
  /** Title and summary for the index, from the renderer that knows them. */
  summary?: PageSummary;
}

/** One output format. Renderers run in list order and see what earlier ones made (HTML is made from the Markdown). */
export interface Renderer {
  readonly name: string;
  render(nb: INotebookContent, ctx: StageContext, page: RenderedPage): void | Promise<void>;
}
