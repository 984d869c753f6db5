// The HTML site rendered from nbconvert-style Markdown: page structure, code
// highlighting, link policy, token views checked against a real key set, and
// the index.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { renderIndex, renderPage, summarizePage, type PageSummary } from "../../src/render/html.js";
import { isAllowedLink } from "../../src/render/html-links.js";
import { pageTitle, truncate } from "../../src/render/html-outline.js";
import { slugify } from "../../src/render/html-slug.js";
import { demoMarkdown, makeDemoTokens, strangerKid, type DemoTokens } from "../fixtures/html/site.js";

let work: string;
let tokens: DemoTokens;
let demo: { html: string; summary: PageSummary };

before(async () => {
  work = await mkdtemp(join(tmpdir(), "html-test-"));
  tokens = await makeDemoTokens(work);
  demo = await renderPage("demo", (await demoMarkdown(tokens)).get("demo")!, tokens.ring);
});
after(() => rm(work, { recursive: true, force: true }));

/** Text a reader sees: tags dropped, entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function tokenViews(html: string): string[] {
  return html.match(/<details class="jwt[^"]*">[\s\S]*?<\/details>/g) ?? [];
}

test("page: document shell, title from the first heading, link back to the index", () => {
  const { html, summary } = demo;
  assert.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'));
  assert.ok(html.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'));
  assert.ok(html.includes("<title>Signing a client assertion</title>"));
  assert.ok(html.includes('<nav class="site"><a href="index.html">← All notebooks</a></nav>'));
  assert.deepEqual(summary, {
    name: "demo",
    title: "Signing a client assertion",
    summary:
      "A backend service proves who it is by signing a short-lived JWT with its private key; the server checks it " +
      "against the public keys it published. This page signs one and shows what is inside.",
    file: "demo.html",
  });
});

test("page: stable heading anchors, unique when headings repeat", () => {
  const { html } = demo;
  assert.ok(
    html.includes(
      '<h1 id="signing-a-client-assertion">Signing a client assertion ' +
        '<a class="anchor" href="#signing-a-client-assertion" aria-hidden="true">#</a></h1>',
    ),
  );
  assert.ok(html.includes('<h2 id="evaluation-resultats">Évaluation &amp; résultats <a class="anchor" href="#evaluation-resultats"'));
  assert.ok(html.includes('<h2 id="evaluation-resultats-1">Évaluation &amp; résultats'));
  assert.equal(slugify("  Step 2: sign the JWT!  "), "step-2-sign-the-jwt");
  assert.equal(slugify("🔑"), "section");
});

test("page: sources highlighted, outputs as wrapped blocks", () => {
  const { html } = demo;
  assert.ok(html.includes('<pre class="source"><code class="language-typescript"><span class="hljs-keyword">import</span> {'));
  assert.ok(html.includes('<span class="hljs-keyword">const</span> assertion = <span class="hljs-keyword">await</span>'));
  assert.ok(html.includes('<span class="hljs-comment">// The assertion names the client as issuer and subject.</span>'));
  assert.ok(html.includes('<pre class="source"><code class="language-python"><span class="hljs-keyword">def</span>'));
  assert.ok(html.includes(`<pre class="output"><code>${tokens.good}\n</code></pre>`));
  assert.equal(html.match(/<pre class="source">/g)?.length, 6);
  assert.equal(html.match(/<pre class="output">/g)?.length, 2);
});

test("page: Markdown and raw HTML outputs pass through, images kept", () => {
  const { html } = demo;
  assert.ok(html.includes("\n<p><strong>Expires</strong> in five minutes.</p>\n"));
  assert.ok(html.includes('\n<div class="raw-output"><b>raw</b> HTML kept</div>\n'));
  assert.ok(html.includes('<p><img src="demo_files/demo_4_0.png" alt="png"></p>'));
  assert.ok(html.includes('<img src="data:image/png;base64,iVBORw0KGgo'));
  assert.ok(html.includes("<td><code>iss</code></td>"));
});

test("page: javascript: links are refused, the text stays", () => {
  const { html } = demo;
  assert.ok(html.includes('<p>[a trap](javascript:alert(1)) and <a href="#signing-a-client-assertion">back to the top</a>.</p>'));
  assert.doesNotMatch(html, /href="javascript:/i);
});

test("page: nothing loads from elsewhere; URLs in text stay text", () => {
  const { html } = demo;
  assert.doesNotMatch(html, /\b(?:src|href|action|srcset)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  assert.doesNotMatch(html, /<script|<link|<iframe|@import|url\(/i);
  assert.ok(html.includes("<p>See https://hl7.org/fhir/smart-app-launch/backend-services.html for the specification"));
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`));
});

test("token view: a token signed with a ring key shows its decoded header and claims and the kid", () => {
  const views = tokenViews(demo.html);
  assert.equal(views.length, 2);
  const view = views[0]!;
  // Right after the output that printed it.
  assert.ok(demo.html.includes(`${tokens.good}\n</code></pre>\n<details class="jwt jwt-ok">`));
  const text = textOf(view);
  assert.ok(text.includes(`Decoded token ${tokens.good.slice(0, 20)}… — verified with kid demo-rs384 (RS384)`), text);
  assert.ok(text.includes(JSON.stringify({ alg: "RS384", kid: "demo-rs384", typ: "JWT" }, null, 2)));
  assert.ok(text.includes(JSON.stringify(tokens.claims, null, 2)));
  assert.ok(text.includes("iat 2025-01-01 00:00:00 UTC · exp 2025-01-01 00:05:00 UTC"));
  assert.ok(view.includes('<span class="hljs-attr">&quot;jti&quot;</span>'));
});

test("token view: a token with an unknown kid says it did NOT verify, and why, escaped", () => {
  const view = tokenViews(demo.html)[1]!;
  assert.ok(view.startsWith('<details class="jwt jwt-bad">'));
  const text = textOf(view);
  assert.ok(text.includes(`NOT verified: unknown kid ${JSON.stringify(strangerKid)}`), text);
  assert.ok(text.includes('"jti": "someone-else"'));
  assert.doesNotMatch(view, /<b>/);
  assert.ok(view.includes("&lt;b&gt;"));
});

test("token view: tokens in prose, tables and raw HTML; tampered signatures; look-alikes ignored", async () => {
  const [head, payload, signature] = tokens.good.split(".") as [string, string, string];
  const flipped = signature.startsWith("A") ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
  const tampered = `${head}.${payload}.${flipped}`;
  const md = [
    "# Tokens everywhere",
    "",
    `The assertion \`${tokens.good}\` goes in the form.`,
    "",
    "| token |",
    "| --- |",
    `| ${tampered} |`,
    "",
    `<pre class="raw">${tokens.good}</pre>`,
    "",
    "Not a token: eyJhbGciOiJub25lIn0 nor a.b.c.",
    "",
  ].join("\n");
  const { html } = await renderPage("everywhere", md, tokens.ring);
  const views = tokenViews(html);
  assert.equal(views.length, 3);
  assert.ok(html.includes(`goes in the form.</p>\n<details class="jwt jwt-ok">`));
  assert.ok(html.includes(`</table>\n<details class="jwt jwt-bad">`));
  assert.ok(textOf(views[1]!).includes('NOT verified: signature does not verify with kid "demo-rs384"'));
  assert.ok(html.includes(`<pre class="raw">${tokens.good}</pre>\n<details class="jwt jwt-ok">`));
});

test("page: rendering is deterministic; a page without heading is titled by its name", async () => {
  const again = await renderPage("demo", (await demoMarkdown(tokens)).get("demo")!, tokens.ring);
  assert.equal(again.html, demo.html);
  const plain = await renderPage("notes", "Just a paragraph.\n\nAnother one.\n", tokens.ring);
  assert.equal(plain.summary.title, "notes");
  assert.equal(plain.summary.summary, "Just a paragraph.");
  assert.ok(plain.html.includes("<title>notes</title>"));
});

test("title: the notebook's metadata.title, else the first heading, else the name", () => {
  assert.equal(pageTitle("x", { title: "First heading" }, "Example Id Token"), "Example Id Token");
  assert.equal(pageTitle("x", { title: "First heading" }, "  Padded  "), "Padded");
  for (const unusable of [undefined, "", "   ", 7, null, ["a"]]) {
    assert.equal(pageTitle("x", { title: "First heading" }, unusable), "First heading", `metadata.title ${JSON.stringify(unusable)}`);
  }
  assert.equal(pageTitle("x", { title: undefined }, undefined), "x");
});

test("page in the IG's shape (no # heading): metadata.title is its <title> and <h1>; its own # heading is kept", async () => {
  const ig = '<a id="step-2"></a>\n\nWhat the page is about.\n\n### Launch App\n\nThe step.\n';
  const page = await renderPage("example-x", ig, tokens.ring, { title: "Example <X> & Y" });
  assert.ok(page.html.includes("<title>Example &lt;X&gt; &amp; Y</title>"));
  assert.ok(page.html.includes('<main class="page">\n<h1>Example &lt;X&gt; &amp; Y</h1>\n<p><a id="step-2"></a></p>'), "the title first, then the page");
  assert.equal((page.html.match(/<h1[ >]/g) ?? []).length, 1);
  assert.deepEqual(page.summary, { name: "example-x", title: "Example <X> & Y", summary: "What the page is about.", file: "example-x.html" });
  // The index entry made from the page on disk says the same.
  assert.deepEqual(summarizePage("example-x", ig, { title: "Example <X> & Y" }), page.summary);
  // Without metadata.title, the first heading titles it, and is shown once more as the <h1>.
  const untitled = await renderPage("example-x", ig, tokens.ring);
  assert.equal(untitled.summary.title, "Launch App");
  assert.ok(untitled.html.includes("<h1>Launch App</h1>"));
  // A page with a # heading of its own: metadata.title names it, no second <h1> is added.
  const own = await renderPage("demo", "# Own heading\n\nIntro.\n", tokens.ring, { title: "From metadata" });
  assert.ok(own.html.includes("<title>From metadata</title>"));
  assert.equal((own.html.match(/<h1[ >]/g) ?? []).length, 1);
  assert.match(own.html, /<h1 id="own-heading">Own heading /);
  assert.equal(own.summary.summary, "Intro.");
});

test("links: data: images allowed, script and file schemes refused", () => {
  for (const ok of [
    "demo_files/demo_4_0.png",
    "#top",
    "other.html#part",
    "https://hl7.org/fhir/",
    "data:image/png;base64,AAAA",
    "data:image/jpeg;base64,AAAA",
    "data:image/gif;base64,AAAA",
    "data:image/svg+xml;base64,AAAA",
    "data:image/svg+xml,%3Csvg%3E",
  ]) {
    assert.equal(isAllowedLink(ok), true, ok);
  }
  for (const bad of [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "vbscript:x",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD4=",
    "data:image/webp;base64,AAAA",
  ]) {
    assert.equal(isAllowedLink(bad), false, bad);
  }
});

test("index: pages by name, titles linked, summaries, everything escaped", () => {
  const pages: PageSummary[] = [
    { name: "02-keys", title: "Keys <and> sets", summary: "Public keys & kids.", file: "02-keys.html" },
    { name: "01-intro", title: "Introduction", summary: "", file: "01-intro.html" },
  ];
  const html = renderIndex(pages);
  assert.ok(html.includes("<title>SMART App Launch example notebooks</title>"));
  assert.ok(
    html.includes(
      '<h1>SMART App Launch example notebooks</h1>\n<ul class="pages">\n' +
        '<li><a href="01-intro.html">Introduction</a></li>\n' +
        '<li><a href="02-keys.html">Keys &lt;and&gt; sets</a>\n<p>Public keys &amp; kids.</p></li>\n</ul>\n',
    ),
  );
  assert.doesNotMatch(html, /All notebooks/);
  assert.ok(renderIndex(pages, { title: "Examples" }).includes("<h1>Examples</h1>"));
  assert.ok(renderIndex([{ ...pages[1]!, file: "a b.html" }]).includes('<a href="a%20b.html">'));
});

test("summary: cut at a word boundary", () => {
  assert.equal(truncate("short", 200), "short");
  assert.equal(truncate("one two three four five six", 22), "one two three four…");
  assert.equal(truncate("x".repeat(30), 10), `${"x".repeat(9)}…`);
});
