import { join } from "node:path";
import type { ICell, INotebookContent, IOutput } from "@jupyterlab/nbformat";
import type { Finding, OutputCheck, StageContext } from "../stages/types.js";
import { cellOutputs, joinMultiline } from "../tokens/output-text.js";
import { privateKeysAllowed } from "./opt-outs.js";
import { loadKnownSecrets } from "./known-secrets.js";
import type { KnownSecret } from "./known-secrets.js";
import { secretMatcher } from "./secret-match.js";
import type { SecretHit, SecretMatcher } from "./secret-match.js";

/** Every string an output holds, whatever its MIME type or shape, labelled for messages. */
function* outputStrings(output: IOutput): Generator<[string, string]> {
  const all = function* (value: unknown): Generator<string> {
    if (typeof value === "string") yield value;
    else if (Array.isArray(value)) for (const v of value) yield* all(v);
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) yield k, yield* all(v);
  };
  switch (output.output_type) {
    case "display_data":
    case "execute_result":
    case "update_display_data": {
      const data = (output.data ?? {}) as Record<string, unknown>;
      // A MIME bundle value may be a list of lines: join them first, so a value split over lines joins up.
      for (const [mime, value] of Object.entries(data)) {
        const joined = Array.isArray(value) && value.every((v) => typeof v === "string") ? value.join("") : undefined;
        yield [mime, joined ?? [...all(value)].join("\n")];
      }
      yield ["metadata", [...all(output.metadata)].join("\n")];
      return;
    }
    case "stream":
      yield ["stream", joinMultiline(output.text as string | string[])];
      return;
    default:
      yield [output.output_type, [...all(output)].join("\n")];
  }
}

/** Where in a cell the docs show text: its source, and each output. */
function* cellPlaces(cell: ICell): Generator<[string, string]> {
  yield ["source", joinMultiline(cell.source)];
  for (const [j, output] of cellOutputs(cell).entries()) {
    for (const [kind, text] of outputStrings(output)) yield [`output ${j + 1} (${kind})`, text];
  }
}

/**
 * Private values of the run's keys found in a notebook: one finding per secret, at the narrowest
 * place it shows: a cell's source or one output; else the cell's outputs together (a value printed
 * in pieces); else the outputs of all cells, or the sources of all cells, together. Each text is
 * read a bounded number of times, so the scan stays linear in the notebook's size.
 */
// Long texts are matched in pieces (512 KiB), with an overlap far longer than any key's spelling (an RSA
// 8192 `d` is 2 kB as hex, 20 kB escaped tenfold), and the event loop is let go between pieces:
// a SIGTERM during the scan of a large notebook is answered within its 2 s.
const PIECE = 1 << 19;
const OVERLAP = 1 << 16;

async function findAll(matcher: SecretMatcher, text: string): Promise<SecretHit[]> {
  if (text.length <= PIECE) return matcher.find(text);
  const hits: SecretHit[] = [];
  for (let at = 0; at < text.length; at += PIECE - OVERLAP) {
    await new Promise((resolve) => setImmediate(resolve));
    for (const hit of matcher.find(text.slice(at, at + PIECE))) if (!hits.some((h) => h.secret === hit.secret)) hits.push(hit);
    if (at + PIECE >= text.length) break;
  }
  return hits;
}

export async function findKnownSecrets(nb: INotebookContent, matcher: SecretMatcher): Promise<Finding[]> {
  const findings: Finding[] = [];
  // Each cell names every secret it shows once; the notebook-wide joins only what no cell named.
  const anywhere = new Set<KnownSecret>();
  let inCell = new Set<KnownSecret>();
  const report = (hits: SecretHit[], cell: number | undefined, where: string): void => {
    for (const hit of hits) {
      const reported = cell === undefined ? anywhere : inCell;
      if (reported.has(hit.secret)) continue;
      reported.add(hit.secret);
      anywhere.add(hit.secret);
      findings.push({
        code: "ERR_PRIVATE_KEY",
        ...(cell !== undefined ? { cell } : {}),
        message: `${where} ${where.endsWith("together") ? "show" : "shows"} private key material (${hit.secret.label}, as ${hit.encoding}); the docs are public`,
      });
    }
  };
  const sources: string[] = [];
  const outputs: string[] = [];
  for (const [i, cell] of nb.cells.entries()) {
    inCell = new Set();
    const places = [...cellPlaces(cell)];
    for (const [where, text] of places) report(await findAll(matcher, text), i + 1, `the cell's ${where}`);
    const own = places.slice(1).map(([, text]) => text);
    if (own.length > 1) report(await findAll(matcher, own.join("\n")), i + 1, "the cell's outputs together");
    sources.push(places[0]![1]);
    outputs.push(...own);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (outputs.length > 1) report(await findAll(matcher, outputs.join("\n")), undefined, "the notebook's outputs together");
  if (sources.length > 1) report(await findAll(matcher, sources.join("\n")), undefined, "the notebook's cell sources together");
  return findings;
}

const matchers = new Map<string, Promise<SecretMatcher>>();
const sourcesByRoot = new Map<string, readonly string[]>();

/**
 * One matcher per project and build, its keys read once: `keys/`, and every other folder or key
 * file the run names (`--keys`, key paths given as parameters). The build calls this before any
 * notebook runs, so a notebook that rewrites them cannot change what the guard knows; the checks
 * then find the matcher by the project's root.
 */
export function knownSecretsOf(projectRoot: string, sources: readonly string[] = []): Promise<SecretMatcher> {
  const all = [...new Set([join(projectRoot, "keys"), ...(sources.length > 0 ? sources : sourcesByRoot.get(projectRoot) ?? [])])].sort();
  sourcesByRoot.set(projectRoot, all);
  const key = JSON.stringify(all);
  let matcher = matchers.get(key);
  if (matcher === undefined) matchers.set(key, (matcher = loadKnownSecrets(all, projectRoot).then(secretMatcher)));
  return matcher;
}

const matcherFor = (ctx: StageContext): Promise<SecretMatcher> => knownSecretsOf(ctx.projectRoot);

/**
 * Refuses any output (of any MIME type, in any encoding the matcher knows) and any source that
 * shows a private value the run knows. The notebook metadata "docs": {"allow_private_keys": true}
 * turns it off, visibly (see opt-outs.ts).
 */
export const knownSecretsCheck: OutputCheck = {
  name: "known-secrets",
  async check(nb, ctx) {
    if (privateKeysAllowed(nb)) return [];
    return findKnownSecrets(nb, await matcherFor(ctx));
  },
};
