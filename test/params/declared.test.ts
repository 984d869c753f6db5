import assert from "node:assert/strict";
import { test } from "node:test";
import { ParametersCellError, readDeclarations } from "../../src/params/declared.js";

test("defaults get their widened type and the kind command-line text converts to", () => {
  const declared = readDeclarations(
    [
      'const keysDir = "../keys";',
      "const port = 8080;",
      "let verbose = false;",
      'const scopes = ["system/*.read", "openid"];',
      'const client = { id: "app", retries: [1, 2] };',
      "const missing = null;",
      'const mode: "fast" | "slow" = "fast";',
      "// a comment is fine",
    ].join("\n"),
  );
  const summary = Object.fromEntries([...declared].map(([name, d]) => [name, [d.type, d.kind]]));
  assert.deepEqual(summary, {
    keysDir: ["string", "string"],
    port: ["number", "number"],
    verbose: ["boolean", "boolean"],
    scopes: ["string[]", "json"],
    client: ["{ id: string; retries: number[]; }", "json"],
    missing: ["any", "json"],
    mode: ['"fast" | "slow"', "string"],
  });
});

test("a parameters cell with anything but value declarations is refused, naming the line", () => {
  assert.throws(() => readDeclarations('const a = 1;\nconsole.log(a);'), (e: unknown) => e instanceof ParametersCellError && /line 2 is not a declaration/.test(e.message));
  assert.throws(() => readDeclarations("const { a } = { a: 1 };"), /without destructuring/);
  assert.throws(() => readDeclarations("let a: number;"), /a has no default value/);
});
