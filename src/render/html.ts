// The HTML site: one page per notebook's Markdown, plus an index of pages.
import type MarkdownIt from "markdown-it";
import type { KeyRing } from "../tokens/keyring.js";
import { verifyToken, type TokenVerdict } from "../tokens/verify.js";
import { escapeHtml } from "./html-escape.js";
import { layoutPage } from "./html-layout.js";
import { hasTopHeading, pageOutline, pageTitle } from "./html-outline.js";
import { createMarkdown } from "./html-markdown.js";
import { tokensToVerify, type TokenViewEnv } from "./html-token-view.js";
import type { Renderer } from "../stages/types.js";

export interface PageSummary {
  name: string;
  title: string;
  summary: string;
  file: string; // "name.html"
  /** A variant's page: the page it varies (its file) and the index's link text for it. */
  variant?: { of: string; title: string };
}

export interface IndexOptions {
  /** Heading and <title> of the index page. */
  title?: string;
  /** Position of a page (by name) in the index; pages without one follow, by name. */
  order?: ReadonlyMap<string, number>;
}

const defaultIndexTitle = "SMART App Launch example notebooks";

let md: MarkdownIt | undefined;
const markdown = (): MarkdownIt => (md ??= createMarkdown());

/** What a page knows besides its Markdown. */
export interface PageOptions {
  /** The notebook's `metadata.title`; see pageTitle for the rule. */
  title?: unknown;
}

/** The index's entry for a page already on disk, from its Markdown: what renderPage would say of it. */
export function summarizePage(name: string, source: string, options: PageOptions = {}): PageSummary {
  const outline = pageOutline(markdown().parse(source, {}));
  return { name, title: pageTitle(name, outline, options.title), summary: outline.summary, file: `${name}.html` };
}

/**
 * docs/<name>.html from docs/<name>.md, with a verified view of every token it prints. A page
 * without a `# …` heading of its own (the IG's shape) gets its title as the <h1>.
 */
export async function renderPage(
  name: string,
  source: string,
  ring: KeyRing,
  options: PageOptions = {},
): Promise<{ html: string; summary: PageSummary }> {
  const env: TokenViewEnv = {};
  const tokens = markdown().parse(source, env);

  const verdicts = new Map<string, TokenVerdict>();
  for (const jws of tokensToVerify(tokens)) verdicts.set(jws, await verifyToken(jws, ring));
  env.tokenVerdicts = verdicts;

  const rendered = markdown().renderer.render(tokens, markdown().options, env);
  const outline = pageOutline(tokens);
  const title = pageTitle(name, outline, options.title);
  const body = hasTopHeading(tokens) ? rendered : `<h1>${escapeHtml(title)}</h1>\n${rendered}`;
  const html = layoutPage({ title, body, backLink: true, mainClass: "page" });
  return { html, summary: { name, title, summary: outline.summary, file: `${name}.html` } };
}

/**
 * docs/index.html: every page by title with its one-line summary, in the given order, then by
 * name; a variant's page is linked under the page it varies, by its own link text.
 */
export function renderIndex(pages: PageSummary[], options: IndexOptions = {}): string {
  const title = options.title ?? defaultIndexTitle;
  const position = (p: PageSummary): number => options.order?.get(p.name) ?? Number.POSITIVE_INFINITY;
  const byOrder = (a: PageSummary, b: PageSummary): number =>
    position(a) - position(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const files = new Set(pages.map((p) => p.file));
  const nested = (p: PageSummary): boolean => p.variant !== undefined && files.has(p.variant.of) && p.variant.of !== p.file;
  // Each segment encoded whole: "#" and "?" in a notebook's name are part of the name, not the URL's.
  const href = (p: PageSummary): string => p.file.split("/").map(encodeURIComponent).join("/");
  const link = (p: PageSummary, text: string): string => `<a href="${escapeHtml(href(p))}">${escapeHtml(text)}</a>`;
  const sorted = pages.filter((p) => !nested(p)).sort(byOrder);
  const items = sorted.map((p) => {
    const summary = p.summary ? `\n<p>${escapeHtml(p.summary)}</p>` : "";
    const variants = pages.filter((v) => nested(v) && v.variant?.of === p.file).sort(byOrder);
    const also = variants.length > 0 ? `\n<p class="variants">Also: ${variants.map((v) => link(v, v.variant!.title)).join(", ")}</p>` : "";
    return `<li>${link(p, p.title)}${summary}${also}</li>`;
  });
  const body = `<h1>${escapeHtml(title)}</h1>\n<ul class="pages">\n${items.join("\n")}\n</ul>\n`;
  return layoutPage({ title, body, backLink: false, mainClass: "index" });
}

/** `<name>.html` from the Markdown page, and the page's title and summary for the index. */
export const htmlRenderer: Renderer = {
  name: "html",
  async render(nb, ctx, page) {
    const markdown = page.files.get(`${ctx.name}.md`);
    if (!markdown) throw new Error("the html renderer needs the markdown renderer before it");
    const { html, summary } = await renderPage(ctx.name, markdown.toString("utf8"), ctx.ring, { title: nb.metadata.title });
    page.files.set(`${ctx.name}.html`, Buffer.from(html, "utf8"));
    page.summary = summary;
  },
};
