// The rendered site in a real Chromium: every page reachable from the index,
// with its title, code and token views, nothing fetched from the network and
// nothing logged as an error.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "node:test";
import { buildDemoSite, makeDemoTokens } from "../fixtures/html/site.js";
import { browseSite, screenshotsFor } from "../support/browse-site.js";
import { hasChromium, prerequisite } from "../support/require.js";

test("the fixture site reads cleanly in Chromium from file://", { timeout: 120_000 }, async (t) => {
  if (!prerequisite(t, hasChromium(), "chromium not installed at /usr/bin/chromium")) return;
  const work = await mkdtemp(join(tmpdir(), "browser-test-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const tokens = await makeDemoTokens(work);
  const { indexPath } = await buildDemoSite(join(work, "site"), tokens);
  const shots = screenshotsFor("fixture-site");
  const result = await browseSite(indexPath, shots);
  if (shots) t.diagnostic(`screenshots in ${shots}`);

  assert.deepEqual(result.networkRequests, []);
  assert.deepEqual(result.consoleErrors, []);
  assert.deepEqual(result.brokenLinks, []);
  assert.deepEqual(result.externalLinks, []);

  const byName = new Map(result.pages.map((p) => [basename(new URL(p.url).pathname), p]));
  assert.deepEqual([...byName.keys()].sort(), ["demo.html", "index.html", "second.html"]);

  const index = byName.get("index.html")!;
  assert.equal(index.title, "SMART App Launch example notebooks");
  assert.equal(index.tokenViews, 0);

  const demo = byName.get("demo.html")!;
  assert.equal(demo.title, "Signing a client assertion");
  assert.equal(demo.codeBlocks, 8); // 6 sources + 2 outputs
  assert.equal(demo.tokenViews, 2);
  assert.equal(demo.verifiedTokens, 1);
  assert.match(demo.tokenSummaries[0]!, /^Decoded token eyJ\S+… — verified with kid demo-rs384 \(RS384\)$/);
  assert.match(demo.tokenSummaries[1]!, /NOT verified: unknown kid "stranger \\"<b>\\" key"$/);
  assert.equal(demo.images, 2);
  assert.deepEqual(demo.brokenImages, []);

  const second = byName.get("second.html")!;
  assert.equal(second.title, "Reading a JWK set");
  assert.equal(second.codeBlocks, 2);
  assert.equal(second.tokenViews, 0);

  for (const page of result.pages) {
    assert.equal(page.overflowsDesktop, false, `${page.url} is wider than a desktop window`);
    assert.equal(page.overflowsPhone, false, `${page.url} is wider than a phone screen`);
  }
});

test("browseSite reports requests, console errors, broken images and links", { timeout: 120_000 }, async (t) => {
  if (!prerequisite(t, hasChromium(), "chromium not installed at /usr/bin/chromium")) return;
  const site = await mkdtemp(join(tmpdir(), "browser-bad-site-"));
  t.after(() => rm(site, { recursive: true, force: true }));
  // Hand-written pages without the site's security policy, so the faults reach the browser.
  await writeFile(
    join(site, "index.html"),
    '<!DOCTYPE html><meta charset="utf-8"><title>Bad index</title>' +
      '<a href="bad.html">bad</a> <a href="gone.html">gone</a> <a href="bad.html#nowhere">anchor</a> ' +
      '<a href="https://example.org/">out</a>',
  );
  await writeFile(
    join(site, "bad.html"),
    '<!DOCTYPE html><meta charset="utf-8"><title>Bad page</title>' +
      '<img src="http://127.0.0.1:9/remote.png"><img src="missing.png">' +
      "<script>console.error('logged'); throw new Error('thrown');</script>",
  );
  const result = await browseSite(join(site, "index.html"), join(site, "shots"));

  assert.deepEqual(result.networkRequests, ["http://127.0.0.1:9/remote.png"]);
  assert.deepEqual(result.externalLinks, ["https://example.org/"]);
  const errors = result.consoleErrors.join("\n");
  assert.match(errors, /bad\.html: logged/);
  assert.match(errors, /bad\.html: thrown/);
  assert.equal(result.brokenLinks.length, 2, result.brokenLinks.join("\n"));
  assert.match(result.brokenLinks.join("\n"), /gone\.html/);
  assert.match(result.brokenLinks.join("\n"), /#nowhere not found in .*bad\.html/);
  const bad = result.pages.find((p) => p.title === "Bad page")!;
  assert.deepEqual(bad.brokenImages.sort(), ["http://127.0.0.1:9/remote.png", "missing.png"]);
});
