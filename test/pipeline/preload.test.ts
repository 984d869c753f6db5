import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { projectRoot } from "../support/root.js";

const src = join(projectRoot, "src");
const preload = join(src, "pipeline", "preload.ts");
const DYNAMIC_IMPORT = /\bimport\(\s*"(\.{1,2}\/[^"]+)\.js"\s*\)/g;

/** The project modules a file imports with `import("./…")`, as paths of their sources. */
async function dynamicImports(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  return [...text.matchAll(DYNAMIC_IMPORT)].map((m) => resolve(dirname(file), `${m[1]}.ts`));
}

// The late-loads e2e test catches a missing module only where its one notebook's build reaches
// the import; this reads every lazy import of src/ instead.
test("every module src/ imports lazily is in the preload list", async () => {
  const preloaded = new Set(await dynamicImports(preload));
  const missing: string[] = [];
  for (const entry of await readdir(src, { recursive: true })) {
    const file = join(src, entry);
    if (!file.endsWith(".ts") || file === preload) continue;
    for (const target of await dynamicImports(file)) {
      if (!preloaded.has(target)) missing.push(`${relative(src, file)} imports ${relative(src, target)}`);
    }
  }
  assert.deepEqual(missing, []);
});
