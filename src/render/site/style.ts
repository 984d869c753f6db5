// The site's only stylesheet, inlined into every page. System fonts only: a
// web font would be a request, and the pages must work offline.
export const siteStylesheet = `:root {
  color-scheme: light dark;
  --fg: #1f2328; --muted: #59636e; --bg: #ffffff; --panel: #f6f8fa; --border: #d1d9e0;
  --link: #0859c5; --ok: #1a7f37; --bad: #cf222e;
  --keyword: #cf222e; --string: #0a3069; --number: #0550ae; --comment: #59636e;
  --title: #8250df; --type: #953800; --attr: #0550ae;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --border: #3d444d;
    --link: #4493f8; --ok: #3fb950; --bad: #f85149;
    --keyword: #ff7b72; --string: #a5d6ff; --number: #79c0ff; --comment: #9198a1;
    --title: #d2a8ff; --type: #ffa657; --attr: #79c0ff;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", Arial, sans-serif;
}
nav.site, main { max-width: 52rem; margin: 0 auto; padding: 0 1.25rem; }
nav.site { padding-top: 1rem; font-size: .9rem; }
main { padding-bottom: 4rem; overflow-wrap: break-word; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 2rem 0 .75rem; font-weight: 600; }
h1 { font-size: 2rem; margin-top: 1.25rem; }
h1, h2 { padding-bottom: .3em; border-bottom: 1px solid var(--border); }
h2 { font-size: 1.5rem; }
h3 { font-size: 1.25rem; }
h4 { font-size: 1rem; }
a { color: var(--link); text-underline-offset: .15em; }
a.anchor { margin-left: .3em; color: var(--muted); text-decoration: none; opacity: 0; }
:is(h1, h2, h3, h4, h5, h6):hover a.anchor, a.anchor:focus { opacity: 1; }
p, ul, ol, dl, pre, table, blockquote, details, figure { margin: 0 0 1rem; }
/* Raw HTML outputs arrive as bare blocks; give them the same rhythm as text. */
main > :is(div, section, svg) { margin: 0 0 1rem; }
li + li { margin-top: .25rem; }
img { max-width: 100%; height: auto; }
hr { border: 0; border-top: 1px solid var(--border); margin: 2rem 0; }
blockquote { margin-left: 0; padding: 0 1rem; color: var(--muted); border-left: 4px solid var(--border); }
table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; }
th, td { padding: .35rem .75rem; border: 1px solid var(--border); text-align: left; }
th { background: var(--panel); }
code, kbd, samp, pre {
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
  font-size: .875em;
}
:not(pre) > code { padding: .1em .35em; border-radius: 4px; background: var(--panel); overflow-wrap: anywhere; }
pre {
  padding: .75rem 1rem; line-height: 1.45; overflow-x: auto;
  background: var(--panel); border: 1px solid var(--border); border-radius: 6px;
}
pre code { font-size: inherit; }
/* Outputs wrap: they carry long tokens and URLs that nobody reads by scrolling. */
pre.output { white-space: pre-wrap; word-break: break-all; background: var(--bg); border-left: 3px solid var(--muted); }
details.jwt { padding: .5rem .75rem; font-size: .95rem; border: 1px solid var(--border); border-left: 4px solid var(--ok); border-radius: 6px; }
details.jwt.jwt-bad { border-left-color: var(--bad); }
details.jwt summary { cursor: pointer; overflow-wrap: anywhere; }
details.jwt[open] summary { margin-bottom: .5rem; }
.jwt-status { font-weight: 600; color: var(--ok); }
.jwt-bad .jwt-status { color: var(--bad); }
.jwt-label { margin: .75rem 0 .25rem; font-size: .75rem; font-weight: 600; letter-spacing: .05em; text-transform: uppercase; color: var(--muted); }
.jwt pre { margin-bottom: .5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.jwt-times { margin: 0; font-size: .85rem; color: var(--muted); }
main.index { padding-top: 1.25rem; }
ul.pages { padding: 0; list-style: none; }
ul.pages li { margin: 0; padding: .9rem 0; border-bottom: 1px solid var(--border); }
ul.pages a { font-size: 1.1rem; font-weight: 600; text-decoration: none; }
ul.pages a:hover, ul.pages a:focus { text-decoration: underline; }
ul.pages p { margin: .25rem 0 0; color: var(--muted); }
.hljs-keyword, .hljs-selector-tag, .hljs-meta .hljs-keyword, .hljs-literal { color: var(--keyword); }
.hljs-string, .hljs-regexp, .hljs-template-tag { color: var(--string); }
.hljs-number, .hljs-symbol, .hljs-variable.language_ { color: var(--number); }
.hljs-comment, .hljs-quote { color: var(--comment); font-style: italic; }
.hljs-title, .hljs-title.function_, .hljs-title.class_, .hljs-section { color: var(--title); }
.hljs-type, .hljs-built_in, .hljs-params { color: var(--type); }
.hljs-attr, .hljs-attribute, .hljs-property, .hljs-meta { color: var(--attr); }
.hljs-subst { color: var(--fg); }
`;
