import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, test } from "node:test";
import { relativizeOutputs, relativizePaths } from "../../src/stabilize/paths.js";
import {
  code,
  error,
  markdown,
  notebook,
  projectRoot,
  result,
  stream,
  tempDir,
} from "../fixtures/tokens/helpers.js";

describe("relativizePaths", () => {
  test("makes paths under the project relative to the notebook's folder", () => {
    const notebooks = join(projectRoot, "notebooks");
    const url = pathToFileURL(projectRoot).href;
    const text = [
      `    at verify (${url}/node_modules/jose/dist/webapi/jws/flattened/verify.js:12:3)`,
      `    at ${projectRoot}/notebooks/01-keys.ipynb:4:1`,
      `\x1b[90m    at ${projectRoot}/src/x.ts:1:2\x1b[39m`,
      `import failed: ${url}/node_modules/@types/node`,
      `${projectRoot}, ${projectRoot}x/y and /tmp/build-1/x.js stay`,
    ].join("\n");
    assert.equal(
      relativizePaths(text, notebooks),
      [
        "    at verify (../node_modules/jose/dist/webapi/jws/flattened/verify.js:12:3)",
        "    at 01-keys.ipynb:4:1",
        "\x1b[90m    at ../src/x.ts:1:2\x1b[39m",
        "import failed: ../node_modules/@types/node",
        `.., ${projectRoot}x/y and /tmp/build-1/x.js stay`,
      ].join("\n"),
    );
  });

  test("finds the project root by its package.json and rewrites a real stack trace", async (t) => {
    const root = await tempDir(t, "project with space-");
    const dir = join(root, "notebooks");
    await mkdir(dir);
    await writeFile(join(root, "package.json"), "{}\n");
    await writeFile(join(root, "lib.mjs"), "export function fail() { throw new Error('boom'); }\n");
    const { fail } = (await import(pathToFileURL(join(root, "lib.mjs")).href)) as { fail: () => never };
    let stack = "";
    try {
      fail();
    } catch (err) {
      stack = (err as Error).stack!;
    }
    assert.match(stack, /file:\/\/.*project%20with%20space-/);
    const line = relativizePaths(stack, dir).split("\n")[1]!;
    assert.equal(line, "    at fail (../lib.mjs:1:32)");
    assert.equal(relativizePaths(`${root}/notebooks`, dir, root), ".");
  });

  test("relativizeOutputs rewrites stream text and errors, nothing else", () => {
    const dir = join(projectRoot, "notebooks");
    const abs = `${projectRoot}/node_modules/jose/dist/index.js`;
    const nb = notebook([
      markdown(`See ${abs}`),
      code("x", [
        stream(`loaded ${abs}\nnext line\n`),
        result({ "text/plain": abs }),
        error("Error", `cannot load ${abs}`, ["Error: boom", `    at ${abs}:1:1`]),
      ]),
    ]);
    const copy = structuredClone(nb);
    const rel = "../node_modules/jose/dist/index.js";
    assert.deepEqual(
      relativizeOutputs(nb, dir),
      notebook([
        markdown(`See ${abs}`),
        code("x", [
          stream(`loaded ${rel}\nnext line\n`),
          result({ "text/plain": abs }),
          error("Error", `cannot load ${rel}`, ["Error: boom", `    at ${rel}:1:1`]),
        ]),
      ]),
    );
    assert.deepEqual(nb, copy);
  });
});
