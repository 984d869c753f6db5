// Raw HTML that a notebook puts on a page, read in a real Chromium: the elements that would
// navigate away or load from elsewhere are gone, so no request leaves the page, while the
// harmless HTML is shown.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { renderPage } from "../../src/render/html.js";
import { keyRingFromSets } from "../../src/tokens/keyring.js";
import { chromiumArgs } from "../support/browse-site.js";
import { chromiumPath, hasChromium, prerequisite } from "../support/require.js";

test("hostile raw HTML on a page makes no request and does not navigate", async (t) => {
  if (!prerequisite(t, hasChromium(), "chromium not installed at /usr/bin/chromium")) return;
  // Every hostile URL points here, so a request that got out is seen even if the browser hides it.
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("<p>elsewhere</p>");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const markdown = [
    "# Hostile page",
    "",
    `<meta http-equiv="refresh" content="0;url=${at}/refresh">`,
    "",
    `A paragraph with an inline <meta http-equiv="refresh" content="1;url=${at}/inline"> tag.`,
    "",
    `<base href="${at}/base/">`,
    "",
    `<link rel="prefetch" href="${at}/prefetch">`,
    "",
    `<iframe src="${at}/iframe"></iframe>`,
    "",
    `<object data="${at}/object"></object>`,
    "",
    `<embed src="${at}/embed">`,
    "",
    `<form action="${at}/form" method="get"><input name="q" value="1"><button id="send">send</button></form>`,
    "",
    '<table id="kept"><tr><td>harmless</td></tr></table>',
    "",
    // Mutation XSS: markup in an attribute value that Chromium reads as the end of a raw-text
    // element opened before it, in one HTML block or in inline tags markdown-it splits apart.
    `<noscript><p title="</noscript><meta http-equiv=refresh content='0;url=${at}/noscript'>"></noscript>`,
    "",
    `Inline <noscript><p title="</noscript><meta http-equiv=refresh content='1;url=${at}/noscript-inline'>"> text.`,
    "",
    `Inline <textarea><p title="</textarea><link rel=prefetch href='${at}/textarea'>"> text.`,
    "",
    `<svg><style><meta http-equiv="refresh" content="0;url=${at}/svg-style"></style></svg>`,

    "",
  ].join("\n");
  const { html } = await renderPage("hostile", markdown, keyRingFromSets([]));
  const dir = await mkdtemp(join(tmpdir(), "hostile-site-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "hostile.html");
  await writeFile(file, html);

  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  t.after(() => browser.close());
  const context = await browser.newContext();
  const requests: string[] = [];
  context.on("request", (req) => {
    if (!req.url().startsWith("file:")) requests.push(req.url());
  });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: "load" });
  await sleep(1500); // past the inline refresh's one second
  const dom = await page.evaluate<Record<string, unknown>>(`({
    hostile: document.querySelectorAll("body :is(meta, base, link, iframe, object, embed, form[action])").length,
    baseURI: document.baseURI,
    kept: document.querySelector("#kept td")?.textContent,
  })`);

  assert.equal(page.url(), url);
  assert.deepEqual(dom, { hostile: 0, baseURI: url, kept: "harmless" });
  assert.deepEqual(requests, []);
  assert.deepEqual(hits, []);
});
