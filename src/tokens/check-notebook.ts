import type { INotebookContent } from "@jupyterlab/nbformat";
import { findTokens } from "./find.js";
import type { KeyRing } from "./keyring.js";
import { cellOutputs, cellTags, outputTexts } from "./output-text.js";
import { UNVERIFIED_TOKEN_TAG } from "./tags.js";
import { verifyToken } from "./verify.js";

export interface TokenProblem {
  cell: number; // 1-based position in the notebook's cell list
  tokenStart: string; // first 20 chars of the token
  reason: string;
}

export { UNVERIFIED_TOKEN_TAG };

/**
 * Verifies every token in every output of every code cell (a token shown in several
 * representations of one cell is reported once). Cells tagged "unverified-token" are skipped.
 */
export async function checkNotebookTokens(nb: INotebookContent, ring: KeyRing): Promise<TokenProblem[]> {
  const problems: TokenProblem[] = [];
  for (const [i, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code" || cellTags(cell).includes(UNVERIFIED_TOKEN_TAG)) continue;
    const seen = new Set<string>();
    for (const output of cellOutputs(cell)) {
      for (const text of outputTexts(output)) {
        for (const { token } of findTokens(text)) {
          if (seen.has(token)) continue;
          seen.add(token);
          const verdict = await verifyToken(token, ring);
          if (!verdict.ok) problems.push({ cell: i + 1, tokenStart: token.slice(0, 20), reason: verdict.reason });
        }
      }
    }
  }
  return problems;
}
