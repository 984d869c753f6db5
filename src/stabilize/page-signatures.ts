import type { INotebookContent } from "@jupyterlab/nbformat";
import type { Stabilizer } from "../stages/types.js";
import { findTokens } from "../tokens/find.js";
import type { KeyRing } from "../tokens/keyring.js";
import { cellOutputs } from "../tokens/output-text.js";
import { verifyToken } from "../tokens/verify.js";
import { outputTokens, replaceInOutput, signingInput } from "./signatures.js";

/**
 * Randomized signatures for pages without a stored notebook (variants, runs with parameters):
 * the committed page is the only record of what was shown. A fresh token whose header and
 * payload equal those of a token on that page is replaced by the page's token, when that one
 * verifies against the ring; so rebuilding a variant changes nothing and `--check` passes.
 * Returns a new notebook.
 */
export async function keepPageSignatures(fresh: INotebookContent, committedPage: string | undefined, ring: KeyRing): Promise<INotebookContent> {
  const result = structuredClone(fresh);
  if (committedPage === undefined) return result;
  const shown = new Map<string, string>();
  for (const { token } of findTokens(committedPage)) {
    const input = signingInput(token);
    if (!shown.has(input) && (await verifyToken(token, ring)).ok) shown.set(input, token);
  }
  if (shown.size === 0) return result;
  for (const cell of result.cells) {
    for (const output of cellOutputs(cell)) {
      const replacements = new Map<string, string>();
      for (const token of outputTokens(output)) {
        const kept = shown.get(signingInput(token));
        if (kept !== undefined && kept !== token) replacements.set(token, kept);
      }
      if (replacements.size > 0) replaceInOutput(output, replacements);
    }
  }
  return result;
}

/** The same as a stage: the committed page is read by whoever builds the list. */
export function pageSignatures(committedPage: string | undefined): Stabilizer {
  return { name: "page-signatures", apply: (nb, ctx) => keepPageSignatures(nb, committedPage, ctx.ring) };
}
