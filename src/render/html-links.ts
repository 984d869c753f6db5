// Which link and image targets the site accepts. Inline images of the common
// raster formats and SVG are kept (outputs embed them as data: URLs); script
// and local-file schemes are refused; everything else (relative paths,
// fragments, http(s) links in prose) is left to the author.
const refusedScheme = /^(javascript|vbscript|file|data):/;
const inlineImage = /^data:image\/(png|jpeg|gif|svg\+xml)[;,]/;

export function isAllowedLink(url: string): boolean {
  // Browsers ignore control characters and whitespace inside a scheme
  // ("java\tscript:"), so they are dropped before looking at it.
  const target = url.replace(/[\u0000-\u0020\u007f]/g, "").toLowerCase();
  if (!refusedScheme.test(target)) return true;
  return inlineImage.test(target);
}
