// Raw HTML from notebooks (markdown cells, text/html outputs) is kept on the pages, but
// not the elements that navigate away or load from elsewhere. The page's security policy
// already stops scripts and remote loads; it cannot stop a meta refresh, and the rest is
// removed too so that no page depends on the policy alone.
import type MarkdownIt from "markdown-it";
import sanitizeHtml from "sanitize-html";

/** A URL that leaves the page's folder: any scheme (http:, data:, javascript:…) or a //host. */
const REMOTE = /^\s*(?:[a-z][a-z0-9+.-]*:|\/\/|\\\\)/i;
const EMBEDS = new Set(["iframe", "frame", "object", "embed", "applet", "portal", "fencedframe"]);
const SOURCE_ATTRIBUTES = ["src", "data", "href", "codebase", "archive"];

/** Whether an element navigates or loads from elsewhere by itself, and goes. */
function dropped(tag: string, attribs: Record<string, string>): boolean {
  switch (tag) {
    case "meta": // refresh navigates; other http-equiv values have no business in a body
    case "base":
    case "link":
      return true;
    case "form":
      return "action" in attribs;
    case "script":
      return "src" in attribs;
    default:
      if ("formaction" in attribs) return true;
      return EMBEDS.has(tag) && SOURCE_ATTRIBUTES.some((a) => a in attribs && REMOTE.test(attribs[a]!));
  }
}

/**
 * The HTML with those elements (and their content) removed. HTML without any is returned as
 * it came, byte for byte: the sanitizer's own serialization would change every page.
 */
export function sanitizeRawHtml(html: string): string {
  if (!/<\s*(?:meta|base|link|form|script|iframe|frame|object|embed|applet|portal|fencedframe)\b|formaction/i.test(html)) return html;
  let removed = false;
  const clean = sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    allowedSchemes: ["http", "https", "mailto", "data", "file"],
    exclusiveFilter: (frame) => {
      const drop = dropped(frame.tag.toLowerCase(), frame.attribs);
      if (drop) removed = true;
      return drop;
    },
  });
  return removed ? clean : html;
}

/** markdown-it plugin: every raw HTML block and inline tag goes through sanitizeRawHtml. */
export function rawHtmlSanitizer(md: MarkdownIt): void {
  for (const rule of ["html_block", "html_inline"] as const) {
    const render = md.renderer.rules[rule];
    md.renderer.rules[rule] = (tokens, idx, options, env, self) => {
      const html = render ? render(tokens, idx, options, env, self) : tokens[idx]!.content;
      return sanitizeRawHtml(html);
    };
  }
}
