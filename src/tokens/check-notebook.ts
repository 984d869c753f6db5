import type { INotebookContent } from "@jupyterlab/nbformat";
import { findTokens } from "./find.js";
import type { KeyRing } from "./keyring.js";
import { cellOutputs, cellTags, joinMultiline, outputTexts } from "./output-text.js";
import { renderedText } from "./scan-view.js";
import { UNVERIFIED_TOKEN_TAG } from "./tags.js";
import { verifyToken } from "./verify.js";
import type { OutputCheck } from "../stages/types.js";

export interface TokenProblem {
  cell: number; // 1-based position in the notebook's cell list
  tokenStart: string; // first 20 chars of the token
  reason: string;
}

export { UNVERIFIED_TOKEN_TAG };

/** Every token a page can show for this text: as written, and as a browser renders it (renderedText). */
function tokensShown(text: string): string[] {
  const tokens = findTokens(text).map((t) => t.token);
  const rendered = renderedText(text);
  if (rendered !== text) tokens.push(...findTokens(rendered).map((t) => t.token));
  return tokens;
}

/**
 * Verifies every token wherever a page shows it: the source of every cell (markdown, raw and
 * code, comments included) and every output of every code cell, as written and as a browser
 * joins it up (a token shown in several places of one cell is reported once). Cells tagged
 * "unverified-token" are skipped.
 */
export async function checkNotebookTokens(nb: INotebookContent, ring: KeyRing): Promise<TokenProblem[]> {
  const problems: TokenProblem[] = [];
  for (const [i, cell] of nb.cells.entries()) {
    if (cellTags(cell).includes(UNVERIFIED_TOKEN_TAG)) continue;
    const seen = new Set<string>();
    const texts = [joinMultiline(cell.source), ...cellOutputs(cell).flatMap((output) => [...outputTexts(output)])];
    for (const text of texts) {
      for (const token of tokensShown(text)) {
        if (seen.has(token)) continue;
        seen.add(token);
        const verdict = await verifyToken(token, ring);
        if (!verdict.ok) problems.push({ cell: i + 1, tokenStart: token.slice(0, 20), reason: verdict.reason });
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
