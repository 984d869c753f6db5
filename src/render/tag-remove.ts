/**
 * The cell tags of the Jupyter ecosystem (nbconvert's TagRemovePreprocessor as Jupyter Book
 * configures it): `remove-cell` drops the cell, `remove-input` hides its source, `remove-output`
 * drops its outputs. Applied to the executed notebook before the checks and the renderers, as
 * nbconvert applies its preprocessors before its template; the executed notebook itself keeps
 * every cell.
 */
import type { ICell, INotebookContent } from "@jupyterlab/nbformat";
import type { PagePreprocessor, PageView } from "../stages/types.js";
import { cellTags } from "../tokens/output-text.js";

export const REMOVE_CELL_TAG = "remove-cell";
export const REMOVE_INPUT_TAG = "remove-input";
export const REMOVE_OUTPUT_TAG = "remove-output";

/** Cell metadata that describes outputs, dropped with them (nbconvert's `remove_metadata_fields`). */
const OUTPUT_METADATA = ["collapsed", "scrolled"];

/**
 * What nbconvert's TagRemovePreprocessor makes of the notebook: tagged cells removed, outputs of
 * `remove-output` code cells cleared (with their execution count), `remove-input` cells marked
 * `transient.remove_source` as nbconvert marks them, which its template and ours honour. The
 * hidden source is emptied as well, so that what comes after (the checks) sees only what the
 * page shows. `origin` gives each kept cell's index in the given notebook.
 */
export function removeTaggedCells(view: PageView): PageView {
  const cells: ICell[] = [];
  const origin: number[] = [];
  view.notebook.cells.forEach((cell, i) => {
    const tags = cellTags(cell);
    if (tags.includes(REMOVE_CELL_TAG)) return;
    let kept: ICell = { ...cell, metadata: { ...cell.metadata } };
    if (tags.includes(REMOVE_OUTPUT_TAG) && kept.cell_type === "code") {
      kept = { ...kept, outputs: [], execution_count: null };
      for (const field of OUTPUT_METADATA) delete (kept.metadata as Record<string, unknown>)[field];
    }
    if (tags.includes(REMOVE_INPUT_TAG)) kept = { ...kept, source: "", transient: { remove_source: true } };
    cells.push(kept);
    origin.push(view.origin[i]!);
  });
  return { notebook: { ...view.notebook, cells }, origin };
}

/** The page view of a whole notebook: every cell, each at its own index. */
export function wholeNotebook(notebook: INotebookContent): PageView {
  return { notebook, origin: notebook.cells.map((_, i) => i) };
}

export const tagRemoveStage: PagePreprocessor = {
  name: "tag-remove",
  apply: (view) => removeTaggedCells(view),
};
