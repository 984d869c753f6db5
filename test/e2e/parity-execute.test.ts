import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { ICell, ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { createTwoFilesPatch } from "diff";
import { renderMarkdown } from "../../src/render/markdown.js";
import { removeTaggedCells, wholeNotebook } from "../../src/render/tag-remove.js";
import { findTokens } from "../../src/tokens/find.js";
import { loadKeyRing, type KeyRing } from "../../src/tokens/keyring.js";
import { cellOutputs, cellTags, outputTexts } from "../../src/tokens/output-text.js";
import { verifyToken } from "../../src/tokens/verify.js";
import { jupyterExecute, tslabKernelEnv } from "../support/jupyter-kernel.js";
import { nbconvertMarkdown, type NbconvertMarkdown } from "../support/nbconvert.js";
import { ProjectCopy, projectRoot } from "../support/project-copy.js";

// Every notebook as our build leaves it (the committed notebooks and pages: test/e2e/build.test.ts
// proves a build from the same inputs writes exactly those) against the real
// `jupyter nbconvert --execute` with the same tslab kernel, run here once. Both must hold the same
// outputs and render to the same Markdown. Differences that are not ours to remove are taken out
// first: randomized signatures (ES*, PS*) become a placeholder once both signatures verify, and
// nbclient's timing metadata is dropped.

const names = readdirSync(join(projectRoot, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .map((f) => f.slice(0, -".ipynb".length))
  .sort();
const TIMEOUT = { timeout: 600_000 };

interface Runs {
  ring: KeyRing;
  ours: Map<string, { nb: INotebookContent; md: Buffer; files: Map<string, Buffer> }>;
  theirs: Map<string, INotebookContent>;
  theirsMd: Map<string, NbconvertMarkdown>;
}

const copies: ProjectCopy[] = [];
after(async () => {
  for (const copy of copies) await copy.dispose();
});

let runs: Promise<Runs> | undefined;
/** nbconvert on a pristine copy of the project, once; our side is what is committed. */
function bothRuns(env: NodeJS.ProcessEnv): Promise<Runs> {
  runs ??= (async () => {
    const theirsCopy = await ProjectCopy.create();
    copies.push(theirsCopy);
    // Two nbconvert processes, each running its half of the notebooks one after another: a
    // Python start per notebook would cost more than the notebook's kernel.
    const halves = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)];
    const executed = await Promise.all(
      halves.map((half) => jupyterExecute(half.map((name) => theirsCopy.path("notebooks", `${name}.ipynb`)), theirsCopy.path(".nbconvert"), env)),
    );
    const theirsPaths = names.map((name) => executed.flat().find((p) => p.endsWith(`/${name}.ipynb`))!);
    const theirs = new Map<string, INotebookContent>();
    for (const [i, name] of names.entries()) theirs.set(name, JSON.parse(await readFile(theirsPaths[i]!, "utf8")) as INotebookContent);
    const ours: Runs["ours"] = new Map();
    const docs = join(projectRoot, "docs");
    for (const name of names) {
      const nb = JSON.parse(await readFile(join(projectRoot, "notebooks", `${name}.ipynb`), "utf8")) as INotebookContent;
      const md = await readFile(join(docs, `${name}.md`));
      ours.set(name, { nb, md, files: await filesUnder(docs, `${name}_files`) });
    }
    return { ring: await loadKeyRing(join(projectRoot, "keys")), ours, theirs, theirsMd: await nbconvertMarkdown(theirsPaths, { removeTags: true }) };
  })();
  return runs;
}

async function filesUnder(root: string, sub: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = await readdir(join(root, sub), { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name).slice(root.length + 1);
    files.set(rel, await readFile(join(root, rel)));
  }
  return files;
}

/** Algorithms whose signatures differ on every run: the same key and message sign differently. */
const RANDOMIZED = /^(ES|PS)\d+$/;

/**
 * Replaces the signature of every verified randomized token by a placeholder naming alg and kid;
 * anything else (deterministic signatures, tokens that do not verify) stays byte for byte.
 */
async function maskSignatures(text: string, ring: KeyRing): Promise<string> {
  let out = "";
  let at = 0;
  for (const { token, index } of findTokens(text)) {
    const verdict = await verifyToken(token, ring);
    if (!verdict.ok || !RANDOMIZED.test(verdict.alg)) continue;
    const signed = token.slice(0, token.lastIndexOf("."));
    out += text.slice(at, index) + `${signed}.<${verdict.alg} signature, verified with kid ${verdict.kid}>`;
    at = index + token.length;
  }
  return out + text.slice(at);
}

/** The value with maskSignatures applied to every string in it (outputs hold strings, lists, JSON). */
async function maskDeep(value: unknown, ring: KeyRing): Promise<unknown> {
  if (typeof value === "string") return maskSignatures(value, ring);
  if (Array.isArray(value)) return Promise.all(value.map((v) => maskDeep(v, ring)));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await maskDeep(v, ring);
    return out;
  }
  return value;
}

/** Tokens in the outputs of cells not tagged "unverified-token" that do not verify, as messages. */
async function unverifiedTokens(nb: INotebookContent, label: string, ring: KeyRing): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, cell] of nb.cells.entries()) {
    if (cellTags(cell).includes("unverified-token")) continue;
    for (const output of cellOutputs(cell)) {
      for (const text of outputTexts(output)) {
        for (const { token } of findTokens(text)) {
          const verdict = await verifyToken(token, ring);
          if (!verdict.ok) problems.push(`${label}, cell ${i + 1}: token ${token.slice(0, 20)}… does not verify: ${verdict.reason}`);
        }
      }
    }
  }
  return problems;
}

/** What must be equal in a cell: everything but execution_count and nbclient's timings. */
async function comparable(cell: ICell, ring: KeyRing): Promise<Record<string, unknown>> {
  const { execution_count: _count, outputs, metadata, ...rest } = cell as ICodeCell;
  const { execution: _timings, ...kept } = (metadata ?? {}) as Record<string, unknown>;
  return { ...rest, metadata: kept, ...(cell.cell_type === "code" ? { outputs: await maskDeep(outputs, ring) } : {}) };
}

function diff(label: string, ours: string, theirs: string, ourName: string, theirName: string): string {
  return createTwoFilesPatch(label, label, theirs, ours, theirName, ourName, { context: 3 }).split("\n").slice(1).join("\n");
}

const json = (value: unknown): string => JSON.stringify(value, null, 1) + "\n";

/** The page of an executed notebook: its cell tags applied, then the Markdown template. */
const renderPage = (nb: INotebookContent, name: string) => renderMarkdown(removeTaggedCells(wholeNotebook(nb)).notebook, name);

for (const name of names) {
  const label = `notebooks/${name}.ipynb`;
  describe(label, () => {
    test("our build leaves the outputs nbconvert --execute leaves", TIMEOUT, async (t) => {
      const env = await tslabKernelEnv(t);
      if (!env) return;
      const { ring, ours: oursAll, theirs: theirsAll } = await bothRuns(env);
      const ours = oursAll.get(name)!.nb;
      const theirs = theirsAll.get(name)!;

      assert.deepEqual(ours.metadata.language_info, theirs.metadata.language_info, `${label}: language_info differs`);
      assert.deepEqual(ours.metadata, theirs.metadata, `${label}: notebook metadata differs`);
      assert.deepEqual([ours.nbformat, ours.nbformat_minor], [theirs.nbformat, theirs.nbformat_minor], `${label}: nbformat version differs`);
      assert.equal(ours.cells.length, theirs.cells.length, `${label}: number of cells differs`);

      // Ours numbers the code cells 1..n; nbclient counts them itself (or leaves null).
      let expected = 0;
      for (const [i, cell] of ours.cells.entries()) {
        if (cell.cell_type !== "code") continue;
        expected += 1;
        assert.equal((cell as ICodeCell).execution_count, expected, `${label}, cell ${i + 1}: execution_count`);
        const theirsCount = (theirs.cells[i] as ICodeCell).execution_count;
        assert.ok(theirsCount === null || theirsCount === expected, `${label}, cell ${i + 1}: nbconvert counted ${theirsCount}, we ${expected}`);
      }

      const problems = [
        ...(await unverifiedTokens(ours, `${label} (our build)`, ring)),
        ...(await unverifiedTokens(theirs, `${label} (nbconvert)`, ring)),
      ];
      for (const [i, cell] of ours.cells.entries()) {
        const a = json(await comparable(cell, ring));
        const b = json(await comparable(theirs.cells[i]!, ring));
        if (a !== b) problems.push(`${label}, cell ${i + 1}: differs from nbconvert --execute\n${diff(`${label} cell ${i + 1}`, a, b, "our build", "nbconvert")}`);
      }
      assert.equal(problems.length, 0, problems.join("\n\n"));
    });

    test("the Markdown matches nbconvert --to markdown (TagRemovePreprocessor set to the cell tags) of nbconvert's executed notebook", TIMEOUT, async (t) => {
      const env = await tslabKernelEnv(t);
      if (!env) return;
      const { ring, ours, theirs, theirsMd } = await bothRuns(env);
      const built = ours.get(name)!;
      const reference = theirsMd.get(name)!;

      // The page our build wrote is our renderer's output for the notebook it wrote.
      const rendered = renderPage(built.nb, name);
      assert.equal(built.md.toString("utf8"), rendered.markdown, `docs/${name}.md is not renderMarkdown of the notebook the build wrote`);
      assert.deepEqual(built.files, rendered.files, `docs/${name}_files differs from what renderMarkdown extracts`);

      // Same executed notebook, both renderers: byte for byte.
      const ourRender = renderPage(theirs.get(name)!, name);
      const nbconvertText = reference.markdown.toString("utf8");
      assert.ok(
        ourRender.markdown === nbconvertText,
        `renderMarkdown differs from nbconvert --to markdown on nbconvert's executed ${label}\n${diff(`${name}.md`, ourRender.markdown, nbconvertText, "renderMarkdown", "nbconvert")}`,
      );
      assert.deepEqual(ourRender.files, reference.files, `${name}_files: extracted outputs differ`);

      // Our build's page against nbconvert's whole pipeline, signatures set aside once verified.
      const ourPage = await maskSignatures(built.md.toString("utf8"), ring);
      const theirPage = await maskSignatures(nbconvertText, ring);
      assert.ok(
        ourPage === theirPage,
        `docs/${name}.md differs from nbconvert --execute + --to markdown (randomized signatures masked)\n${diff(`${name}.md`, ourPage, theirPage, "our build", "nbconvert")}`,
      );
      assert.deepEqual([...built.files.keys()].sort(), [...reference.files.keys()].sort(), `${name}_files: file names differ`);
    });
  });
}
