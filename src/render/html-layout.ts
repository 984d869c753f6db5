// The HTML document around a page's content. Everything a page needs is in
// the file itself: the stylesheet is inlined and the security policy forbids
// scripts and any request other than the page's own images, so the site reads
// the same from file:// as from a web server and never calls out.
import { escapeHtml } from "./html-escape.js";
import { siteStylesheet } from "./site/style.js";

export interface Layout {
  title: string;
  /** Rendered content of <main>. */
  body: string;
  /** Whether to show the link back to index.html. */
  backLink: boolean;
  mainClass?: string;
}

const policy = [
  "default-src 'none'",
  "img-src 'self' file: data:",
  "style-src 'unsafe-inline'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

export function layoutPage(page: Layout): string {
  const nav = page.backLink ? `<nav class="site"><a href="index.html">← All notebooks</a></nav>\n` : "";
  const mainClass = page.mainClass ? ` class="${escapeHtml(page.mainClass)}"` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(page.title)}</title>
<style>
${siteStylesheet}</style>
</head>
<body>
${nav}<main${mainClass}>
${page.body}</main>
</body>
</html>
`;
}
