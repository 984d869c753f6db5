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
