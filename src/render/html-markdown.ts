// The markdown-it set-up for the site: raw HTML outputs kept, no guessing of
// links or typography (the Markdown is generated, not hand-typed), stable
// heading anchors, highlighted sources, wrapped outputs and token views.
import MarkdownIt from "markdown-it";
import anchor from "markdown-it-anchor";
import { escapeHtml } from "./html-escape.js";
import { highlightCode } from "./html-highlight.js";
import { isAllowedLink } from "./html-links.js";
import { rawHtmlSanitizer } from "./html-sanitize.js";
import { slugify } from "./html-slug.js";
import { tokenViews } from "./html-token-view.js";

export function createMarkdown(): MarkdownIt {
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false });
  md.validateLink = isAllowedLink;

  // Fenced blocks are cell sources; indented blocks are outputs (that is how
  // nbconvert writes them), so they get different classes and styling.
  md.renderer.rules.fence = (tokens, idx) => {
    const t = tokens[idx]!;
    const lang = md.utils.unescapeAll(t.info).trim().split(/\s+/)[0] ?? "";
    const body = highlightCode(t.content, lang) ?? escapeHtml(t.content);
    const cls = lang ? ` class="language-${escapeHtml(lang)}"` : "";
    return `<pre class="source"><code${cls}>${body}</code></pre>\n`;
  };
  md.renderer.rules.code_block = (tokens, idx) =>
    `<pre class="output"><code>${escapeHtml(tokens[idx]!.content)}</code></pre>\n`;

  md.use(anchor, {
    slugify,
    tabIndex: false,
    permalink: anchor.permalink.linkInsideHeader({ symbol: "#", placement: "after", class: "anchor", ariaHidden: true }),
  });
  md.use(tokenViews);
  md.use(rawHtmlSanitizer);
  return md;
}
