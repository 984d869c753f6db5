import type { INotebookContent } from "@jupyterlab/nbformat";
import { wasUpgraded } from "./upgrade.js";

/**
 * The kernel a notebook asks for in its kernelspec, as Jupyter reads it. A notebook without one
 * that is IPython's (nbformat 2 or 3, which had no kernelspecs, or one whose language_info says
 * Python: such a notebook executed by nbclient is written back without a kernelspec) runs on
 * `python3`, the kernel nbclient falls back to.
 */
export function kernelNameOf(nb: INotebookContent): string | undefined {
  const spec = nb.metadata.kernelspec as { name?: unknown } | undefined;
  if (typeof spec?.name === "string") return spec.name;
  if (spec === undefined && (wasUpgraded(nb) || (nb.metadata.language_info as { name?: unknown } | undefined)?.name === "python")) return "python3";
  return undefined;
}
