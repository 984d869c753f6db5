// Title and one-line summary of a page, read from its parsed Markdown.
import type { Token } from "markdown-it";

export interface Outline {
  title: string | undefined;
  summary: string;
}

const summaryLength = 200;

/**
 * Title = first heading; summary = first prose paragraph after the page's top-level heading
 * (`# …`), or from the start when it has none (an IG page: the template prints its title).
 */
export function pageOutline(tokens: Token[]): Outline {
  const heading = tokens.findIndex((t) => t.type === "heading_open");
  const title = heading >= 0 ? plainText(tokens[heading + 1]) || undefined : undefined;
  const top = tokens.findIndex((t) => t.type === "heading_open" && t.tag === "h1");
  let summary = "";
  for (let i = top + 1; i < tokens.length && !summary; i++) {
    const t = tokens[i]!;
    // Top-level paragraphs only: list items and quotes rarely introduce a page.
    if (t.type === "paragraph_open" && t.level === 0) summary = plainText(tokens[i + 1]);
  }
  return { title, summary: truncate(summary, summaryLength) };
}

/** Whether the page has a top-level heading (`# …`) of its own. */
export function hasTopHeading(tokens: Token[]): boolean {
  return tokens.some((t) => t.type === "heading_open" && t.tag === "h1");
}

/**
 * A page's title: the notebook's `metadata.title` when it is a non-blank string (nbconvert's
 * HTML template uses it so), else the page's first heading, else the notebook's name.
 */
export function pageTitle(name: string, outline: Pick<Outline, "title">, metadataTitle?: unknown): string {
  if (typeof metadataTitle === "string" && metadataTitle.trim() !== "") return metadataTitle.trim();
  return outline.title ?? name;
}

/** Text of an inline run without markup, images or raw HTML. */
export function plainText(inline: Token | undefined): string {
  if (!inline || inline.type !== "inline") return "";
  let text = "";
  for (const c of inline.children ?? []) {
    if (c.type === "text" || c.type === "code_inline") text += c.content;
    else if (c.type === "softbreak" || c.type === "hardbreak") text += " ";
  }
  return text.replace(/\s+/g, " ").trim();
}

/** At most `max` characters, cut at a word boundary when there is one nearby. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  const head = space > max * 0.6 ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s,;:.–—-]+$/, "")}…`;
}
