// Drives a real Chromium through a rendered site: starts at index.html, follows
// every link that stays inside the site, and reports what each page shows and
// anything that went out to the network or failed in the console. Screenshots, for a person to
// look at, are taken only when DOCS_TEST_SCREENSHOTS names a folder: a full-page PNG at two
// widths costs more than the rest of the walk.
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Page } from "playwright-core";
import { chromiumPath } from "./require.js";

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowsedPage {
  url: string;
  title: string;
  /** <pre> blocks of the page itself, token views' JSON not counted. */
  codeBlocks: number;
  tokenViews: number;
  verifiedTokens: number;
  /** Text of each token view's summary line. */
  tokenSummaries: string[];
  images: number;
  /** src of images that did not load. */
  brokenImages: string[];
  /** Whether the page is wider than the window at desktop or phone width. */
  overflowsDesktop: boolean;
  overflowsPhone: boolean;
  /** Paths of its screenshots, when taken. */
  screenshots: string[];
  /** The id of every element in the page, as Chromium's DOM has them (the targets of #fragments). */
  ids: string[];
  /** Its links that leave the site. */
  externalLinks: string[];
}

export interface BrowseResult {
  pages: BrowsedPage[];
  /** Every request to something other than file: or data: (there should be none). */
  networkRequests: string[];
  consoleErrors: string[];
  /** Site links to a missing file or a missing #fragment. */
  brokenLinks: string[];
  /** Links leaving the site (http:, mailto:, …), reported, not followed. */
  externalLinks: string[];
}

const desktop = { width: 1100, height: 900 };
const phone = { width: 390, height: 844 };

interface PageFacts {
  title: string;
  codeBlocks: number;
  tokenViews: number;
  verifiedTokens: number;
  tokenSummaries: string[];
  images: number;
  brokenImages: string[];
  links: string[];
  ids: string[];
}

// Plain JavaScript run in the page. A string, not a function: the test runner's
// transpiler may add helpers (such as __name) that do not exist in the page.
const factsScript = `(() => {
  const all = (sel) => Array.from(document.querySelectorAll(sel));
  const imgs = all("img");
  return {
    title: document.title,
    codeBlocks: all("pre").filter((p) => !p.closest("details.jwt")).length,
    tokenViews: all("details.jwt").length,
    verifiedTokens: all("details.jwt.jwt-ok").length,
    tokenSummaries: all("details.jwt > summary").map((s) => (s.textContent || "").trim()),
    images: imgs.length,
    brokenImages: imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.getAttribute("src") || ""),
    links: all("a[href]").map((a) => a.href),
    ids: all("[id]").map((e) => e.id),
  };
})()`;

function pageFacts(page: Page): Promise<PageFacts> {
  return page.evaluate<PageFacts>(factsScript);
}

function overflows(page: Page): Promise<boolean> {
  return page.evaluate<boolean>("document.documentElement.scrollWidth > document.documentElement.clientWidth");
}

/** Where a test's screenshots go: `$DOCS_TEST_SCREENSHOTS/<name>`, or nowhere when that is unset. */
export function screenshotsFor(name: string): string | undefined {
  const root = process.env.DOCS_TEST_SCREENSHOTS;
  return root ? join(root, name) : undefined;
}

/** Opens indexPath in Chromium and walks the site; screenshots go to screenshotDir when given. */
export async function browseSite(indexPath: string, screenshotDir?: string): Promise<BrowseResult> {
  if (screenshotDir !== undefined) await mkdir(screenshotDir, { recursive: true });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const result: BrowseResult = { pages: [], networkRequests: [], consoleErrors: [], brokenLinks: [], externalLinks: [] };
  try {
    const context = await browser.newContext({ viewport: desktop });
    // Record, then refuse, anything that would leave the machine.
    await context.route(/^(?!file:|data:)/, (route) => route.abort());
    context.on("request", (req) => {
      const url = req.url();
      if (!url.startsWith("file:") && !url.startsWith("data:")) result.networkRequests.push(url);
    });
    const page = await context.newPage();
    let current = "";
    page.on("console", (msg) => {
      if (msg.type() === "error") result.consoleErrors.push(`${current}: ${msg.text()}`);
    });
    page.on("pageerror", (err) => result.consoleErrors.push(`${current}: ${err.message}`));

    const start = pathToFileURL(indexPath).href;
    const queue = [start];
    const seen = new Set(queue);
    const idsByPage = new Map<string, Set<string>>();
    const fragments: { from: string; url: string; id: string }[] = [];
    const external = new Set<string>();

    while (queue.length > 0) {
      const url = queue.shift()!;
      current = url;
      const response = await page.goto(url, { waitUntil: "load" }).catch((err: Error) => err);
      if (response instanceof Error) {
        result.brokenLinks.push(`${url}: ${response.message.split("\n")[0]}`);
        continue;
      }
      const facts = await pageFacts(page);
      idsByPage.set(url, new Set(facts.ids));
      for (const link of facts.links) {
        if (!link.startsWith("file:")) {
          external.add(link);
          continue;
        }
        const [target = "", id] = link.split("#", 2);
        if (id) fragments.push({ from: url, url: target, id: decodeURIComponent(id) });
        if (!seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }

      const name = basename(new URL(url).pathname).replace(/\.html?$/, "") || "page";
      // Token views open: the decoded JSON must fit the width too, and shows in the screenshots.
      await page.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = true; })');
      const overflowsDesktop = await overflows(page);
      const screenshots: string[] = [];
      const shoot = async (file: string): Promise<void> => {
        if (screenshotDir === undefined) return;
        screenshots.push(join(screenshotDir, file));
        await page.screenshot({ path: join(screenshotDir, file), fullPage: true });
      };
      await shoot(`${name}.png`);
      await page.setViewportSize(phone);
      const overflowsPhone = await overflows(page);
      await shoot(`${name}-phone.png`);
      await page.setViewportSize(desktop);

      result.pages.push({
        url,
        title: facts.title,
        codeBlocks: facts.codeBlocks,
        tokenViews: facts.tokenViews,
        verifiedTokens: facts.verifiedTokens,
        tokenSummaries: facts.tokenSummaries,
        images: facts.images,
        brokenImages: facts.brokenImages,
        overflowsDesktop,
        overflowsPhone,
        screenshots,
        ids: facts.ids,
        externalLinks: facts.links.filter((link) => !link.startsWith("file:")),
      });
    }

    for (const f of fragments) {
      const ids = idsByPage.get(f.url);
      if (ids && !ids.has(f.id)) result.brokenLinks.push(`${f.from}: #${f.id} not found in ${f.url}`);
    }
    result.externalLinks = [...external].sort();
    await context.close();
  } finally {
    await browser.close();
  }
  return result;
}
