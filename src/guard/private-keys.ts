import type { INotebookContent } from "@jupyterlab/nbformat";
import { readDocsMetadata } from "../notebook/docs-metadata.js";
import { PRIVATE_JWK_MEMBERS } from "../tokens/keyring.js";
import { cellOutputs, joinMultiline, outputTexts } from "../tokens/output-text.js";
import type { OutputCheck } from "../stages/types.js";

export interface PrivateKeyFinding {
  cell: number; // 1-based position in the notebook's cell list
  what: string; // 'JWK member "d"', 'PEM PRIVATE KEY block', 'PEM RSA PRIVATE KEY block', …
  where: string; // "source" or "output N" (1-based)
}

// A quote as it appears in printed JSON, in util.inspect output, escaped inside a JSON string,
// or escaped in HTML.
const QUOTE = String.raw`(?:\\?"|\\?'|&quot;|&#0*34;|&#0*39;|&#x0*27;|&#x0*22;)`;
const memberName = (names: string, flags: string) =>
  new RegExp(String.raw`(?<![\w$])${QUOTE}?(${names})${QUOTE}?\s*:\s*`, flags);
const PRIVATE_MEMBER = memberName(PRIVATE_JWK_MEMBERS.join("|"), "g");
// Members that make an object a JWK: "kty", or what an EC/OKP ("crv") or RSA ("n" and "e") key has.
const JWK_MARKER = memberName("kty|crv|n|e", "g");
const VALUE_START = new RegExp(String.raw`^(?:${QUOTE}|\[)`);
const PEM_BEGIN = /-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)* )?PRIVATE KEY-----/g;
const BASE64_RUN = /[A-Za-z0-9+/]{16,}/;

/**
 * For each position (ascending), the start of the object literal that directly contains it, or
 * -1 (inside an array or outside any object). One pass over the text for all positions.
 */
function enclosingObjectStarts(text: string, positions: readonly number[]): number[] {
  const open: number[] = [];
  const starts: number[] = [];
  let i = 0;
  for (const at of positions) {
    for (; i < at; i++) {
      const ch = text[i];
      if (ch === "{" || ch === "[") open.push(i);
      else if (ch === "}" || ch === "]") open.pop();
    }
    const top = open.at(-1);
    starts.push(top !== undefined && text[top] === "{" ? top : -1);
  }
  return starts;
}

/**
 * Names of secret JWK members in text: a member d, p, q, dp, dq, qi, oth or k with a string
 * (or, for oth, array) value, in an object that is a JWK: it also has a "kty", a "crv" (an EC or
 * OKP key), or both "n" and "e" (an RSA key) at its own level, so a key printed without its "kty"
 * counts too. Works on JSON, on util.inspect output, on JSON escaped inside a string and on
 * HTML-escaped JSON. Linear in the text: one pass finds the object each member is in.
 */
export function findPrivateJwkMembers(text: string): string[] {
  const withValue = (m: RegExpMatchArray): boolean => {
    const valueAt = m.index! + m[0].length;
    return VALUE_START.test(text.slice(valueAt, valueAt + 8));
  };
  const members = [...text.matchAll(PRIVATE_MEMBER)].filter(withValue);
  if (members.length === 0) return [];
  const markers = [...text.matchAll(JWK_MARKER)].filter(withValue);
  const markerObjects = enclosingObjectStarts(text, markers.map((m) => m.index!));
  // By object start: which of the markers it has at its own level.
  const marks = new Map<number, Set<string>>();
  markers.forEach((m, n) => {
    const start = markerObjects[n]!;
    if (start >= 0) (marks.get(start) ?? marks.set(start, new Set()).get(start)!).add(m[1]!);
  });
  const isJwk = (start: number): boolean => {
    const has = marks.get(start);
    return has !== undefined && (has.has("kty") || has.has("crv") || (has.has("n") && has.has("e")));
  };
  const names: string[] = [];
  const starts = enclosingObjectStarts(text, members.map((m) => m.index!));
  for (const [n, match] of members.entries()) {
    const name = match[1]!;
    const start = starts[n]!;
    if (start >= 0 && isJwk(start) && !names.includes(name)) names.push(name);
  }
  return names;
}

/** Labels of PEM private key blocks in text ("PRIVATE KEY", "RSA PRIVATE KEY", …) that carry key data. */
export function findPemPrivateKeys(text: string): string[] {
  const labels: string[] = [];
  for (const match of text.matchAll(PEM_BEGIN)) {
    // The marker alone (say, in code that looks for it) leaks nothing; key data after it does.
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 400);
    const label = `${match[1] ?? ""}PRIVATE KEY`;
    if (BASE64_RUN.test(after) && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

function allowed(nb: INotebookContent): boolean {
  return readDocsMetadata(nb).allowPrivateKeys;
}

/**
 * Private key material anywhere the docs will show it: every cell's source (markdown, raw and
 * code cells all reach the rendered page) and every text of every output.
 * Notebook metadata {"docs": {"allow_private_keys": true}} turns the guard off.
 */
export function findPrivateKeyMaterial(nb: INotebookContent): PrivateKeyFinding[] {
  if (allowed(nb)) return [];
  const findings: PrivateKeyFinding[] = [];
  nb.cells.forEach((cell, i) => {
    const places: Array<[string, string[]]> = [["source", [joinMultiline(cell.source)]]];
    cellOutputs(cell).forEach((output, j) => places.push([`output ${j + 1}`, [...outputTexts(output)]]));
    for (const [where, texts] of places) {
      const whats = new Set<string>();
      for (const text of texts) {
        for (const name of findPrivateJwkMembers(text)) whats.add(`JWK member "${name}"`);
        for (const label of findPemPrivateKeys(text)) whats.add(`PEM ${label} block`);
      }
      for (const what of whats) findings.push({ cell: i + 1, what, where });
    }
  });
  return findings;
}

export const privateKeysCheck: OutputCheck = {
  name: "private keys",
  check: (nb) =>
    findPrivateKeyMaterial(nb).map((leak) => ({
      code: "ERR_PRIVATE_KEY",
      cell: leak.cell,
      message: `private key material in the cell's ${leak.where} (${leak.what}); the docs are public. Print only public keys, or set metadata "docs": {"allow_private_keys": true}`,
    })),
};
