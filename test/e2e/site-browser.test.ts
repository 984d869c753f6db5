// The real docs, as committed (test/e2e/build.test.ts proves the build writes exactly
// these), read in a real Chromium: one page
// per notebook reachable from the index, each with its title, its code and a
// verified view of every token it prints; nothing fetched from the network,
// nothing logged as an error, no broken link or image.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ICell, INotebookContent, IOutput, MultilineString } from "@jupyterlab/nbformat";
import MarkdownIt from "markdown-it";
import { findTokens } from "../../src/tokens/find.js";
import { browseSite, screenshotsFor, type BrowsedPage } from "../support/browse-site.js";
import { projectRoot } from "../support/project-copy.js";
import { hasChromium, prerequisite } from "../support/require.js";

const text = (s: MultilineString | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

interface Expected {
  /** Path of the page relative to docs/, e.g. "worked-example.html". */
  page: string;
  title: string;
  codeCells: number;
  /** Distinct tokens the notebook shows, in sources or outputs. */
  tokens: number;
  /** Tokens printed by cells tagged "unverified-token": the only views that may be unverified. */
  unverifiedAllowed: number;
}

/** The first heading of the notebook's Markdown cells, as plain text. */
function firstHeading(cells: ICell[]): string | undefined {
  const md = new MarkdownIt();
  for (const cell of cells) {
    if (cell.cell_type !== "markdown") continue;
    const tokens = md.parse(text(cell.source), {});
    const open = tokens.findIndex((t) => t.type === "heading_open");
    if (open < 0) continue;
    const inline = tokens[open + 1]?.children ?? [];
    return inline.filter((c) => c.type === "text" || c.type === "code_inline").map((c) => c.content).join("").trim();
  }
  return undefined;
}

function outputTexts(output: IOutput): string[] {
  const texts = [text(output.text as MultilineString | undefined)];
  for (const value of Object.values((output.data ?? {}) as Record<string, unknown>)) {
    if (typeof value === "string" || Array.isArray(value)) texts.push(text(value as MultilineString));
  }
  return texts;
}

/** What each notebook under notebooksDir should become, read from the notebooks themselves. */
async function expectedPages(notebooksDir: string): Promise<Expected[]> {
  const entries = await readdir(notebooksDir, { recursive: true, withFileTypes: true });
  const paths = entries
    .filter((e) => e.isFile() && e.name.endsWith(".ipynb") && !e.parentPath.includes(".ipynb_checkpoints"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const expected: Expected[] = [];
  for (const path of paths) {
    const nb = JSON.parse(await readFile(path, "utf8")) as INotebookContent;
    // nbconvert's rule: the notebook's metadata.title, else (here) the first heading.
    const title = typeof nb.metadata.title === "string" ? nb.metadata.title : firstHeading(nb.cells);
    assert.ok(title, `${path} has no title and no heading to title its page`);
    const tokens = new Set<string>();
    let codeCells = 0;
    let unverifiedAllowed = 0;
    for (const cell of nb.cells) {
      for (const f of findTokens(text(cell.source))) tokens.add(f.token);
      if (cell.cell_type !== "code") continue;
      if (text(cell.source).trim() !== "") codeCells++;
      const tagged = ((cell.metadata as { tags?: string[] }).tags ?? []).includes("unverified-token");
      for (const output of (cell.outputs ?? []) as IOutput[]) {
        for (const t of outputTexts(output)) {
          for (const f of findTokens(t)) {
            tokens.add(f.token);
            if (tagged) unverifiedAllowed++;
          }
        }
      }
    }
    const page = relative(notebooksDir, path).replace(/\.ipynb$/, ".html");
    expected.push({ page, title, codeCells, tokens: tokens.size, unverifiedAllowed });
    // Each variant is a page of its own; its outputs live only in its committed Markdown.
    const variants = Object.keys(((nb.metadata.docs as { variants?: object } | undefined)?.variants) ?? {});
    for (const variant of variants) {
      const variantPage = page.replace(/\.html$/, `.${variant}.html`);
      const markdown = await readFile(join(notebooksDir, "..", "docs", variantPage.replace(/\.html$/, ".md")), "utf8");
      const shown = new Set(findTokens(markdown).map((f) => f.token));
      expected.push({ page: variantPage, title, codeCells: codeCells + 1, tokens: shown.size, unverifiedAllowed: 0 });
    }
  }
  return expected;
}

test("the committed docs read cleanly in Chromium, every token verified", { timeout: 600_000 }, async (t) => {
  if (!prerequisite(t, hasChromium(), "chromium not installed at /usr/bin/chromium")) return;
  const expected = await expectedPages(join(projectRoot, "notebooks"));
  // One page per notebook and variant, however many notebooks/ holds.
  t.diagnostic(`${expected.length} notebook(s): ${expected.map((e) => e.page).join(", ")}`);
  assert.ok(expected.length > 0, "no notebooks in notebooks/");

  const shots = screenshotsFor("site-browser");
  const docsDir = join(projectRoot, "docs");
  const result = await browseSite(join(docsDir, "index.html"), shots);
  if (shots) t.diagnostic(`screenshots in ${shots}`);
  if (result.externalLinks.length > 0) t.diagnostic(`external links (not followed): ${result.externalLinks.join(", ")}`);

  assert.deepEqual(result.networkRequests, [], "requests left the machine");
  assert.deepEqual(result.consoleErrors, [], "console errors");
  assert.deepEqual(result.brokenLinks, [], "broken links");

  const byPage = new Map<string, BrowsedPage>(result.pages.map((p) => [relative(docsDir, fileURLToPath(p.url)), p]));
  assert.deepEqual([...byPage.keys()].sort(), ["index.html", ...expected.map((e) => e.page)].sort(), "pages reachable from the index");

  const index = byPage.get("index.html")!;
  assert.equal(index.tokenViews, 0);
  assert.deepEqual(index.brokenImages, []);

  for (const e of expected) {
    const page = byPage.get(e.page)!;
    assert.equal(page.title, e.title, `${e.page}: title`);
    assert.ok(page.codeBlocks >= e.codeCells, `${e.page}: ${page.codeBlocks} code blocks for ${e.codeCells} code cells`);
    assert.deepEqual(page.brokenImages, [], `${e.page}: broken images`);
    if (e.tokens === 0) {
      assert.equal(page.tokenViews, 0, `${e.page}: token views without tokens`);
    } else {
      assert.ok(page.tokenViews >= e.tokens, `${e.page}: ${page.tokenViews} token view(s) for ${e.tokens} distinct token(s)`);
    }
    const unverified = page.tokenSummaries.filter((s) => !/ — verified with kid \S+ \([A-Z0-9]+\)$/.test(s) || /NOT verified/.test(s));
    if (e.unverifiedAllowed === 0) {
      assert.deepEqual(unverified, [], `${e.page}: token views not verified`);
      assert.equal(page.verifiedTokens, page.tokenViews, `${e.page}: every token view marked verified`);
    } else {
      // A cell tagged unverified-token shows a token that must not verify, and the page says so.
      assert.ok(unverified.length > 0 && unverified.length <= e.unverifiedAllowed, `${e.page}: ${unverified.length} unverified view(s), at most ${e.unverifiedAllowed} allowed`);
      assert.equal(page.verifiedTokens, page.tokenViews - unverified.length, `${e.page}: every other token view marked verified`);
    }
    t.diagnostic(`${e.page}: "${page.title}", ${page.codeBlocks} code blocks, ${page.tokenViews} token view(s), ${page.images} image(s)`);
  }

  for (const page of result.pages) {
    assert.equal(page.overflowsDesktop, false, `${page.url} is wider than a desktop window`);
    assert.equal(page.overflowsPhone, false, `${page.url} is wider than a phone screen`);
  }
});

interface DeepLinks {
  /** The <a id> anchors each of the spec's example pages carries. */
  anchors: Record<string, string[]>;
  /** Pages of ours named otherwise than the spec's page they reproduce (an example page beside a normative one). */
  reproduces: Record<string, string>;
  /** Links from the spec's pages into its example pages: <page>.html#<anchor>. */
  deepLinks: { from: string; page: string; anchor: string }[];
}

test("every deep link of the spec's pages into an example page lands on an element of ours, and each page links its spec page", { timeout: 600_000 }, async (t) => {
  if (!prerequisite(t, hasChromium(), "chromium not installed at /usr/bin/chromium")) return;
  const spec = JSON.parse(await readFile(join(projectRoot, "test", "fixtures", "spec", "deep-links.json"), "utf8")) as DeepLinks;
  const docsDir = join(projectRoot, "docs");
  const result = await browseSite(join(docsDir, "index.html"));
  const byPage = new Map<string, BrowsedPage>(result.pages.map((p) => [relative(docsDir, fileURLToPath(p.url)), p]));
  const wanted = [
    ...spec.deepLinks.map((l) => ({ page: l.page, anchor: l.anchor, why: `linked from the spec's ${l.from}` })),
    ...Object.entries(spec.anchors).flatMap(([page, ids]) => ids.map((anchor) => ({ page, anchor, why: "an anchor of the spec's page" }))),
  ];
  assert.ok(spec.deepLinks.length >= 17, "the spec's deep links are listed");
  const missing = wanted.filter((w) => !(byPage.get(`${w.page}.html`)?.ids.includes(w.anchor) ?? false)).map((w) => `${w.page}.html#${w.anchor} (${w.why})`);
  assert.deepEqual(missing, [], "deep links with no element to land on");
  for (const page of Object.keys(spec.anchors)) {
    const browsed = byPage.get(`${page}.html`);
    assert.ok(browsed, `docs/${page}.html is reachable from the index`);
    const specPage = spec.reproduces[page] ?? page;
    assert.ok(browsed.externalLinks.includes(`https://hl7.org/fhir/smart-app-launch/${specPage}.html`), `${page}.html links to the spec page it reproduces, ${specPage}.html`);
  }
  t.diagnostic(`${wanted.length} anchors and deep links checked on ${Object.keys(spec.anchors).length} pages`);
});
