import { join } from "node:path";
import type { ICell, INotebookContent, IOutput } from "@jupyterlab/nbformat";
import type { Finding, OutputCheck, StageContext } from "../stages/types.js";
import { cellOutputs, joinMultiline } from "../tokens/output-text.js";
import { privateKeysAllowed } from "./opt-outs.js";
import { loadKnownSecrets } from "./known-secrets.js";
import type { KnownSecret } from "./known-secrets.js";
import { secretMatcher } from "./secret-match.js";
import type { SecretMatcher } from "./secret-match.js";

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

/** Private values of keys/ found in a notebook: one finding per cell, place and secret. */
export function findKnownSecrets(nb: INotebookContent, matcher: SecretMatcher): Finding[] {
  const findings: Finding[] = [];
  nb.cells.forEach((cell, i) => {
    const reported = new Set<KnownSecret>();
    for (const [where, text] of cellPlaces(cell)) {
      for (const hit of matcher.find(text)) {
        if (reported.has(hit.secret)) continue;
        reported.add(hit.secret);
        findings.push({
          code: "ERR_PRIVATE_KEY",
          cell: i + 1,
          message: `the cell's ${where} shows private key material (${hit.secret.label}, as ${hit.encoding}); the docs are public`,
        });
      }
    }
  });
  return findings;
}

const matchers = new Map<string, Promise<SecretMatcher>>();

/**
 * One matcher per project and build: keys/ is read once. The build calls this before any
 * notebook runs, so a notebook that rewrites keys/ cannot change what the guard knows.
 */
export function knownSecretsOf(projectRoot: string): Promise<SecretMatcher> {
  const keysDir = join(projectRoot, "keys");
  let matcher = matchers.get(keysDir);
  if (matcher === undefined) matchers.set(keysDir, (matcher = loadKnownSecrets(keysDir, projectRoot).then(secretMatcher)));
  return matcher;
}

const matcherFor = (ctx: StageContext): Promise<SecretMatcher> => knownSecretsOf(ctx.projectRoot);

/**
 * Refuses any output (of any MIME type, in any encoding the matcher knows) and any source that
 * shows a private value from keys/. The notebook metadata "docs": {"allow_private_keys": true}
 * turns it off, visibly (see opt-outs.ts).
 */
export const knownSecretsCheck: OutputCheck = {
  name: "known-secrets",
  async check(nb, ctx) {
    if (privateKeysAllowed(nb)) return [];
    return findKnownSecrets(nb, await matcherFor(ctx));
  },
};
