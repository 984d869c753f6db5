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

/** The elements that navigate or load, as a tag in text: what must not hide where this parser sees no tag. */
const HOSTILE_TAG = /<\s*\/?\s*(?:meta|base|link|form|script|iframe|frame|object|embed|applet|portal|fencedframe)\b|formaction/i;
/** Markup inside an attribute value: `</noscript>` or `<meta` there is how a page parsed otherwise by a browser (mutation XSS) smuggles an element past a parser. */
const MARKUP_IN_VALUE = /<\s*[/!?a-z]/i;

/**
 * Whether an element navigates or loads from elsewhere by itself, and goes. So does an element
 * this parser and Chromium could read differently: one with markup in an attribute value (after
 * a `<noscript>`, `<textarea>` or `<title>` opened elsewhere, Chromium reads that value as raw
 * text that ends inside it, and what follows as elements), or one whose text holds a hostile
 * tag (`<svg><style><meta …>`: raw text here, an element in Chromium).
 */
function dropped(tag: string, attribs: Record<string, string>, text: string): boolean {
  // An iframe's srcdoc is markup by design: it goes only when it holds a hostile tag.
  if (Object.entries(attribs).some(([name, v]) => (name === "srcdoc" ? HOSTILE_TAG : MARKUP_IN_VALUE).test(v))) return true;
  if (HOSTILE_TAG.test(text)) return true;
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
  if (!HOSTILE_TAG.test(html)) return html;
  let removed = false;
  const clean = sanitizeHtml(html, {
    allowedTags: false,
    allowedAttributes: false,
    allowVulnerableTags: true,
    allowedSchemes: ["http", "https", "mailto", "data", "file"],
    exclusiveFilter: (frame) => {
      const drop = dropped(frame.tag.toLowerCase(), frame.attribs, frame.text);
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
