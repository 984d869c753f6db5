// Decoded views of the compact JWS tokens a page prints. Kept as two
// markdown-it rules, like markdown-it's own features: a core rule finds the
// tokens in the parsed blocks and inserts `jwt_view` tokens after them; a
// renderer rule draws each view from the verdicts placed in `env`.
// Verification is asynchronous and rendering is not, so the page renderer
// verifies the tokens in between (see `tokensToVerify`).
import type MarkdownIt from "markdown-it";
import type { StateCore, Token } from "markdown-it";
import { findTokens } from "../tokens/find.js";
import type { TokenVerdict } from "../tokens/verify.js";
import { escapeHtml } from "./html-escape.js";
import { highlightCode } from "./html-highlight.js";

export interface TokenViewEnv {
  /** Verdict of every token a `jwt_view` names, keyed by the compact token. */
  tokenVerdicts?: Map<string, TokenVerdict>;
}

const viewType = "jwt_view";

export function tokenViews(md: MarkdownIt): void {
  md.core.ruler.push("jwt_views", insertTokenViews);
  md.renderer.rules[viewType] = (tokens, idx, _options, env: TokenViewEnv) => {
    const jws = String(tokens[idx]?.meta?.token ?? "");
    return renderTokenView(jws, env.tokenVerdicts?.get(jws));
  };
}

/** Every distinct token a parsed page shows a view for, in page order. */
export function tokensToVerify(tokens: Token[]): string[] {
  const seen = new Set<string>();
  for (const t of tokens) if (t.type === viewType) seen.add(String(t.meta?.token));
  return [...seen];
}

function insertTokenViews(state: StateCore): void {
  const after = new Map<number, string[]>();
  state.tokens.forEach((t, i) => {
    const source = searchableText(t);
    if (!source) return;
    const found = [...new Set(findTokens(source).map((f) => f.token))];
    if (found.length === 0) return;
    const at = insertionPoint(state.tokens, i);
    after.set(at, [...(after.get(at) ?? []), ...found]);
  });
  if (after.size === 0) return;

  const out: Token[] = [];
  state.tokens.forEach((t, i) => {
    out.push(t);
    for (const jws of after.get(i) ?? []) {
      const view = new state.Token(viewType, "", 0);
      view.block = true;
      view.level = t.level;
      view.meta = { token: jws };
      out.push(view);
    }
  });
  state.tokens = out;
}

/** The source text of a block token that can hold a printed token. */
function searchableText(t: Token): string | undefined {
  switch (t.type) {
    case "fence":
    case "code_block":
    case "html_block":
    case "inline":
      return t.content;
    default:
      return undefined;
  }
}

/**
 * Index of the token a view goes after: right after a code or HTML block;
 * after the block holding an inline run (paragraph, heading); after the whole
 * table for a cell, since a table row cannot hold anything else.
 */
function insertionPoint(tokens: Token[], i: number): number {
  const t = tokens[i]!;
  if (t.type !== "inline") return i;
  let close = i + 1;
  while (close < tokens.length && !(tokens[close]!.nesting === -1 && tokens[close]!.level === t.level - 1)) close++;
  const closing = tokens[close];
  if (closing && (closing.type === "th_close" || closing.type === "td_close")) {
    while (close < tokens.length && tokens[close]!.type !== "table_close") close++;
  }
  return Math.min(close, tokens.length - 1);
}

const timeClaims = ["iat", "nbf", "exp", "auth_time"];

/** HTML of one token's view; every value from the token is escaped. */
export function renderTokenView(jws: string, verdict: TokenVerdict | undefined): string {
  const shown = `<code>${escapeHtml(abbreviate(jws))}</code>`;
  let status: string;
  let cls: string;
  if (!verdict) {
    cls = "jwt jwt-bad";
    status = `<span class="jwt-status">not checked</span>`;
  } else if (verdict.ok) {
    cls = "jwt jwt-ok";
    status =
      `<span class="jwt-status">verified</span> with kid <code>${escapeHtml(verdict.kid)}</code>` +
      ` (${escapeHtml(verdict.alg)})`;
  } else {
    cls = "jwt jwt-bad";
    status = `<span class="jwt-status">NOT verified</span>: ${escapeHtml(verdict.reason)}`;
  }
  const parts: string[] = [];
  if (verdict?.header) parts.push(jsonPart("Header", verdict.header));
  if (verdict?.payload) {
    parts.push(jsonPart("Claims", verdict.payload));
    const times = claimTimes(verdict.payload);
    if (times) parts.push(`<p class="jwt-times">${times}</p>`);
  }
  if (parts.length === 0) parts.push(`<p class="jwt-times">The token could not be decoded.</p>`);
  return (
    `<details class="${cls}">\n<summary>Decoded token ${shown} — ${status}</summary>\n` +
    `<div class="jwt-body">\n${parts.join("\n")}\n</div>\n</details>\n`
  );
}

function jsonPart(label: string, value: Record<string, unknown>): string {
  const json = JSON.stringify(value, null, 2);
  const body = highlightCode(json, "json") ?? escapeHtml(json);
  return `<p class="jwt-label">${label}</p>\n<pre class="jwt-json"><code class="language-json">${body}</code></pre>`;
}

/** Readable UTC times for the numeric date claims, which JSON shows as seconds. */
function claimTimes(payload: Record<string, unknown>): string {
  const shown: string[] = [];
  for (const claim of timeClaims) {
    const v = payload[claim];
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    const date = new Date(v * 1000);
    if (Number.isNaN(date.getTime())) continue;
    shown.push(`<code>${claim}</code> ${date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`);
  }
  return shown.join(" · ");
}

function abbreviate(jws: string): string {
  return jws.length > 24 ? `${jws.slice(0, 20)}…` : jws;
}
