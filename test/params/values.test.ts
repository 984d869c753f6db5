import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DocsError } from "../../src/errors.js";
import { mergeParameters, parseParameterArguments, readParametersFile } from "../../src/params/values.js";

test("-p splits at the first = and keeps the rest as text", () => {
  const given = parseParameterArguments(["url=http://x/?a=b", "empty="]);
  assert.deepEqual([...given], [["url", { kind: "text", text: "http://x/?a=b" }], ["empty", { kind: "text", text: "" }]]);
});

test("-p without a name or with a name that is not an identifier is a usage error", () => {
  for (const bad of ["=1", "novalue", "a-b=1", "1a=2"]) {
    assert.throws(() => parseParameterArguments([bad]), (e: unknown) => e instanceof DocsError && e.code === "ERR_USAGE", bad);
  }
});

test("--params-file gives typed values, and the command line wins over it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "params-"));
  try {
    const file = join(dir, "p.json");
    await writeFile(file, JSON.stringify({ a: [1, 2], b: "file" }));
    const merged = mergeParameters(await readParametersFile(file), parseParameterArguments(["b=cli"]));
    assert.deepEqual(Object.fromEntries(merged), { a: { kind: "json", value: [1, 2] }, b: { kind: "text", text: "cli" } });
    await writeFile(file, "[1]");
    await assert.rejects(readParametersFile(file), /expected a JSON object/);
    await writeFile(file, "{");
    await assert.rejects(readParametersFile(file), /not JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
