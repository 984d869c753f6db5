import type { ICell, INotebookContent, IOutput } from "@jupyterlab/nbformat";
import { cloneJson } from "../notebook/clone.js";
import { findTokens } from "../tokens/find.js";
import type { KeyRing } from "../tokens/keyring.js";
import { cellOutputs, isTextualMime, joinMultiline, outputTexts } from "../tokens/output-text.js";
import { verifyToken } from "../tokens/verify.js";
import type { Stabilizer } from "../stages/types.js";

/** Distinct tokens of an output, in order of first appearance across its texts. */
export function outputTokens(output: IOutput): string[] {
  const tokens: string[] = [];
  for (const text of outputTexts(output)) {
    for (const { token } of findTokens(text)) if (!tokens.includes(token)) tokens.push(token);
  }
  return tokens;
}

/** header.payload: what a signature signs. */
export function signingInput(token: string): string {
  return token.slice(0, token.lastIndexOf("."));
}

function sameCell(fresh: ICell, stored: ICell | undefined): stored is ICell {
  if (stored === undefined || stored.cell_type !== "code" || fresh.cell_type !== "code") return false;
  if (typeof fresh.id === "string" && typeof stored.id === "string" && fresh.id !== stored.id) return false;
  return joinMultiline(fresh.source) === joinMultiline(stored.source);
}

function replaceAll(text: string, replacements: ReadonlyMap<string, string>): string {
  for (const [from, to] of replacements) text = text.split(from).join(to);
  return text;
}

/** Deep copy of a JSON value with replacements applied to every string in it. */
function replaceInValue(value: unknown, replacements: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string") return replaceAll(value, replacements);
  if (Array.isArray(value)) return value.map((v) => replaceInValue(v, replacements));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceInValue(v, replacements)]));
  }
  return value;
}

/** Applies replacements to every text of the output (the same texts outputTexts reads). */
export function replaceInOutput(output: IOutput, replacements: ReadonlyMap<string, string>): void {
  const o = output as Record<string, unknown>;
  for (const field of ["text", "ename", "evalue", "traceback"]) {
    if (o[field] !== undefined) o[field] = replaceInValue(o[field], replacements);
  }
  const data = o.data;
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const bundle = data as Record<string, unknown>;
    for (const mime of Object.keys(bundle)) {
      if (isTextualMime(mime)) bundle[mime] = replaceInValue(bundle[mime], replacements);
    }
  }
}

/**
 * Randomized signatures (ECDSA, RSASSA-PSS) differ on every run, so re-executing a notebook
 * would change its outputs although nothing it shows changed. For each code cell that is the
 * same as in the stored notebook (same position, same id when both have one, same source), each
 * output at the same index and of the same type, and each token there: when the stored output's
 * token at the same position signs the same header and payload and verifies against the ring,
 * the stored token replaces the fresh one in every text of that output.
 * Returns a new notebook; the inputs are not changed.
 */
export async function keepStoredSignatures(
  fresh: INotebookContent,
  stored: INotebookContent | undefined,
  ring: KeyRing,
): Promise<INotebookContent> {
  const result = cloneJson(fresh);
  if (stored === undefined) return result;
  const verified = new Map<string, Promise<boolean>>();
  const verifies = (token: string): Promise<boolean> => {
    let pending = verified.get(token);
    if (pending === undefined) {
      pending = verifyToken(token, ring).then((v) => v.ok);
      verified.set(token, pending);
    }
    return pending;
  };

  for (const [i, cell] of result.cells.entries()) {
    const before = stored.cells[i];
    if (!sameCell(cell, before)) continue;
    const storedOutputs = cellOutputs(before);
    for (const [j, output] of cellOutputs(cell).entries()) {
      const old = storedOutputs[j];
      if (old === undefined || old.output_type !== output.output_type) continue;
      const oldTokens = outputTokens(old);
      const replacements = new Map<string, string>();
      for (const [k, token] of outputTokens(output).entries()) {
        const kept = oldTokens[k];
        if (kept === undefined || kept === token || signingInput(kept) !== signingInput(token)) continue;
        if (await verifies(kept)) replacements.set(token, kept);
      }
      if (replacements.size > 0) replaceInOutput(output, replacements);
    }
  }
  return result;
}

export const keptSignaturesStage: Stabilizer = {
  name: "kept signatures",
  apply: (nb, ctx) => keepStoredSignatures(nb, ctx.stored, ctx.ring),
};
