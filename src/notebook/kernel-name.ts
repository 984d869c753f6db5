import type { INotebookContent } from "@jupyterlab/nbformat";

/** The kernel a notebook asks for in its kernelspec, as Jupyter reads it. */
export function kernelNameOf(nb: INotebookContent): string | undefined {
  const spec = nb.metadata.kernelspec as { name?: unknown } | undefined;
  return typeof spec?.name === "string" ? spec.name : undefined;
}
