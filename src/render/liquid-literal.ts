/**
 * Text that Jekyll's Liquid prints as it is. An IG's pages are Liquid templates (the publisher
 * includes each page, then markdownifies it), so output that holds `{{` or `{%` would be
 * evaluated: changed silently, or failing the IG's build.
 *
 * The block goes inside `{% raw %}…{% endraw %}`. Inside raw, Liquid's tokenizer still cuts the
 * text at every `{%` and `{{` (a token runs from there to the next `%}` or `}`), and a token that
 * ends in an `endraw` tag closes the block, whatever precedes the tag in the token. So after
 * every `{%` and `{{` of the text the block is closed and opened again: the token starting there
 * is that opener followed by our `{% endraw %}`, which closes the block printing the opener; an
 * `{% endraw %}` (or `{%- endraw -%}`) of the text can therefore never close it, and no
 * unterminated `{{` or `{%` can swallow the closing tag. Removing the raw tags gives back the
 * text exactly, line breaks included.
 */

const OPENER = /\{[{%]/g;
const OPEN = "{% raw %}";
const CLOSE = "{% endraw %}";

/** Whether Liquid would read anything in the text as its own. */
export function needsLiquidEscape(text: string): boolean {
  return text.includes("{{") || text.includes("{%");
}

/** The text as Liquid prints it literally; text without `{{` or `{%` unchanged. */
export function liquidLiteral(text: string): string {
  if (!needsLiquidEscape(text)) return text;
  return OPEN + text.replace(OPENER, (opener) => opener + CLOSE + OPEN) + CLOSE;
}
