import assert from "node:assert/strict";
import { test } from "node:test";
import { renderIndex } from "../../src/render/html.js";

test("index links percent-encode '#', '?' and '%' in page names, folders kept", () => {
  const html = renderIndex([
    { name: "c#-vs-ts?", title: "C# vs TS?", summary: "", file: "c#-vs-ts?.html" },
    { name: "100%", title: "All", summary: "", file: "guides/100% sure.html" },
  ]);
  assert.ok(html.includes('<a href="c%23-vs-ts%3F.html">'), html);
  assert.ok(html.includes('<a href="guides/100%25%20sure.html">'), html);
});
