// The HTML site: one page per notebook's Markdown, plus an index of pages.
import type MarkdownIt from "markdown-it";
import type { KeyRing } from "../tokens/keyring.js";
import { verifyToken, type TokenVerdict } from "../tokens/verify.js";
import { escapeHtml } from "./html-escape.js";
import { layoutPage } from "./html-layout.js";
import { pageOutline } from "./html-outline.js";
import { createMarkdown } from "./html-markdown.js";
import { tokensToVerify, type TokenViewEnv } from "./html-token-view.js";
import type { Renderer } from "../stages/types.js";

export interface PageSummary {
  name: string;
  title: string;
  summary: string;
  file: string; // "name.html"
}

export interface IndexOptions {
  /** Heading and <title> of the index page. */
  title?: string;
}

const defaultIndexTitle = "SMART backend services notebooks";

let md: MarkdownIt | undefined;
const markdown = (): MarkdownIt => (md ??= createMarkdown());

/** docs/<name>.html from docs/<name>.md, with a verified view of every token it prints. */
export async function renderPage(
  name: string,
  source: string,
  ring: KeyRing,
): Promise<{ html: string; summary: PageSummary }> {
  const env: TokenViewEnv = {};
  const tokens = markdown().parse(source, env);

  const verdicts = new Map<string, TokenVerdict>();
  for (const jws of tokensToVerify(tokens)) verdicts.set(jws, await verifyToken(jws, ring));
  env.tokenVerdicts = verdicts;

  const body = markdown().renderer.render(tokens, markdown().options, env);
  const outline = pageOutline(tokens);
  const title = outline.title ?? name;
  const html = layoutPage({ title, body, backLink: true, mainClass: "page" });
  return { html, summary: { name, title, summary: outline.summary, file: `${name}.html` } };
}

/** docs/index.html: every page by title with its one-line summary, ordered by name. */
export function renderIndex(pages: PageSummary[], options: IndexOptions = {}): string {
  const title = options.title ?? defaultIndexTitle;
  const sorted = [...pages].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const items = sorted.map((p) => {
    const summary = p.summary ? `\n<p>${escapeHtml(p.summary)}</p>` : "";
    return `<li><a href="${escapeHtml(encodeURI(p.file))}">${escapeHtml(p.title)}</a>${summary}</li>`;
  });
  const body = `<h1>${escapeHtml(title)}</h1>\n<ul class="pages">\n${items.join("\n")}\n</ul>\n`;
  return layoutPage({ title, body, backLink: false, mainClass: "index" });
}

/** `<name>.html` from the Markdown page, and the page's title and summary for the index. */
export const htmlRenderer: Renderer = {
  name: "html",
  async render(_nb, ctx, page) {
    const markdown = page.files.get(`${ctx.name}.md`);
    if (!markdown) throw new Error("the html renderer needs the markdown renderer before it");
    const { html, summary } = await renderPage(ctx.name, markdown.toString("utf8"), ctx.ring);
    page.files.set(`${ctx.name}.html`, Buffer.from(html, "utf8"));
    page.summary = summary;
  },
};
