import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sanitizeRawHtml } from "../../src/render/html-sanitize.js";

describe("sanitizeRawHtml", () => {
  const removed: Array<[string, string]> = [
    ["a meta refresh", '<meta http-equiv="refresh" content="0;url=http://example.org/">'],
    ["a meta refresh in capitals, unquoted", "<META HTTP-EQUIV=refresh CONTENT=0;url=//example.org>"],
    ["a base element", '<base href="http://example.org/">'],
    ["a link element", '<link rel="dns-prefetch" href="//example.org">'],
    ["an iframe with a remote source", '<iframe src="https://example.org/"></iframe>'],
    ["an iframe with a data: source", '<iframe src="data:text/html,hi"></iframe>'],
    ["an object with remote data", '<object data="http://example.org/x.swf"></object>'],
    ["an embed with a remote source", '<embed src="//example.org/x">'],
    ["a form with an action", '<form action="http://example.org/"><input name="q"></form>'],
    ["a button with a formaction", '<button formaction="http://example.org/">go</button>'],
    ["a script with a source", '<script src="http://example.org/x.js"></script>'],
  ];
  for (const [what, html] of removed) {
    test(`removes ${what}`, () => {
      assert.equal(sanitizeRawHtml(`<div class="out"><p>kept</p>${html}</div>`), '<div class="out"><p>kept</p></div>');
    });
  }

  test("removes a lone opening tag as markdown-it hands it over inline", () => {
    assert.equal(sanitizeRawHtml('<meta http-equiv="refresh" content="0;url=http://example.org/">'), "");
    assert.equal(sanitizeRawHtml('<form action="http://example.org/">'), "");
  });

  const kept = [
    '<table class="dataframe" border="1">\n<thead><tr style="text-align: right;"><th>a</th></tr></thead>\n<tbody><tr><td>1</td></tr></tbody>\n</table>',
    '<details><summary>More</summary><pre>x &lt; y &amp;&amp; "quoted"</pre></details>',
    '<svg width="10" height="10"><circle cx="5" cy="5" r="4" fill="red"/></svg>',
    '<img src="page_files/page_3_0.png" alt=plot>',
    '<iframe srcdoc="<p>inline</p>"></iframe>',
    '<iframe src="local.html"></iframe>',
    "<form><input type=checkbox checked></form>",
    '<a href="https://example.org/">a link, followed only when clicked</a>',
  ];
  for (const html of kept) {
    test(`keeps ${html.slice(0, 40)}… byte for byte`, () => assert.equal(sanitizeRawHtml(html), html));
  }
});

test("an extracted SVG with active content is refused; a plain one, with local references, is extracted", async () => {
  const { extractOutputFiles } = await import("../../src/render/extract.js");
  const at = { name: "p", cellIndex: 2, outputIndex: 0 };
  const plain = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs><path id="g"/></defs><use xlink:href="#g"/><use href="#g"/></svg>';
  const files = new Map<string, Buffer>();
  extractOutputFiles({ "image/svg+xml": plain }, {}, at, files);
  assert.equal(files.get("p_files/p_2_0.svg")?.toString(), plain);
  for (const active of [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    '<svg xmlns="http://www.w3.org/2000/svg"><rect/onclick="alert(1)"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe srcdoc="x"/></foreignObject></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a xlink:href=https://elsewhere.example><text>x</text></a></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a></svg>',
  ]) {
    assert.throws(() => extractOutputFiles({ "image/svg+xml": active }, {}, at, new Map()), (e: Error & { code?: string }) => e.code === "ERR_OUTPUT_INVALID" && /cell 3: an image\/svg\+xml output has active content/.test(e.message), active);
  }
});
