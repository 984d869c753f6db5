import type { INotebookContent } from "@jupyterlab/nbformat";
import { findTokens } from "./find.js";
import type { KeyRing } from "./keyring.js";
import { cellOutputs, cellTags, outputTexts } from "./output-text.js";
import { UNVERIFIED_TOKEN_TAG } from "./tags.js";
import { verifyToken } from "./verify.js";
import type { OutputCheck } from "../stages/types.js";

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

export const tokensCheck: OutputCheck = {
  name: "tokens",
  check: async (nb, ctx) =>
    (await checkNotebookTokens(nb, ctx.ring)).map((bad) => ({
      code: "ERR_TOKEN_UNVERIFIED",
      cell: bad.cell,
      message: `token ${bad.tokenStart}… does not verify against ${ctx.keysLabel}: ${bad.reason} (tag the cell "unverified-token" if it shows a bad token on purpose)`,
    })),
};
