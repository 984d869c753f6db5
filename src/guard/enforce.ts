import type { INotebookContent } from "@jupyterlab/nbformat";
import { NotebookError } from "../execute/errors.js";
import type { Finding, OutputCheck, StageContext } from "../stages/types.js";

/** Runs the checks and fails the notebook with every finding: the first in the message's first line, each other on a line below. */
export async function enforceChecks(checks: readonly OutputCheck[], nb: INotebookContent, ctx: StageContext): Promise<void> {
  const findings: Finding[] = [];
  for (const check of checks) findings.push(...(await check.check(nb, ctx)));
  const [first, ...rest] = findings;
  if (first === undefined) return;
  const line = (f: Finding) => `${ctx.label}${f.cell === undefined ? "" : `, cell ${f.cell}`}: ${f.message}`;
  const error = new NotebookError(ctx.label, first.message, "", first.cell);
  if (rest.length > 0) error.message += rest.map((f) => `\n  ${line(f)}`).join("");
  throw error;
}
