import assert from "node:assert/strict";
import { test } from "node:test";
import { liquidLiteral, needsLiquidEscape } from "../../src/render/liquid-literal.js";

// What Jekyll makes of these is tested with the real Jekyll (test/e2e/ig-jekyll.test.ts); here,
// the shape: text without Liquid stays as it is, and removing the raw tags gives the text back.

const unwrap = (s: string): string => s.replaceAll("{% raw %}", "").replaceAll("{% endraw %}", "");

test("text without {{ or {% is left as it is", () => {
  for (const text of ["", "plain\n", "{ a: 1 }", "}} %} { %", "a {\n{ b"]) {
    assert.equal(needsLiquidEscape(text), false, text);
    assert.equal(liquidLiteral(text), text);
  }
});

test("Liquid is wrapped in raw blocks, each closed right after every {{ and {%", () => {
  assert.equal(liquidLiteral("\n    {{ x }}\n"), "{% raw %}\n    {{{% endraw %}{% raw %} x }}\n{% endraw %}");
  assert.equal(liquidLiteral("{% endraw %}"), "{% raw %}{%{% endraw %}{% raw %} endraw %}{% endraw %}");
});

test("removing the raw tags gives back the text exactly", () => {
  for (const text of ["{{ site.title }} {% include x.html %} {%- endraw -%}", "{{{", "{%}", "{{%", "a{{", "{{ unterminated", "{%- endraw -%}\n"]) {
    assert.ok(needsLiquidEscape(text), text);
    assert.equal(unwrap(liquidLiteral(text)), text, text);
  }
});
