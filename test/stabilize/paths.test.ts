import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, test } from "node:test";
import { relativizeOutputs, relativizePaths, relativizeStreamText } from "../../src/stabilize/paths.js";
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

  test("relativizeOutputs rewrites errors and stack frames in streams, nothing else", () => {
    const dir = join(projectRoot, "notebooks");
    const abs = `${projectRoot}/node_modules/jose/dist/index.js`;
    const nb = notebook([
      markdown(`See ${abs}`),
      code("x", [
        stream(`loaded ${abs}\nnext line\n    at ${abs}:1:1\n`),
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
          stream(`loaded ${abs}\nnext line\n    at ${rel}:1:1\n`),
          result({ "text/plain": abs }),
          error("Error", `cannot load ${rel}`, ["Error: boom", `    at ${rel}:1:1`]),
        ]),
      ]),
    );
    assert.deepEqual(nb, copy);
  });
});

describe("relativizeStreamText", () => {
  const root = "/home/someone/project";
  const dir = join(root, "notebooks");
  test("stream text that merely contains the project's path stays as printed", () => {
    const text = `cwd is ${root}/notebooks\nwrote ${root}/data/out.json\n`;
    assert.equal(relativizeStreamText(text, dir, root), text);
  });

  test("in streams, stack frames and file:// URLs of the notebook's folder become relative", () => {
    const url = pathToFileURL(dir).href;
    const text = [
      `\x1b[90m    at load (${pathToFileURL(root).href}/node_modules/jose/dist/x.js:3:9)\x1b[39m\n`,
      `module: ${url}/helper.ts\n`,
      `elsewhere: ${pathToFileURL(root).href}/data/out.json\n`,
    ].join("");
    assert.equal(
      relativizeStreamText(text, dir, root),
      [
        "\x1b[90m    at load (../node_modules/jose/dist/x.js:3:9)\x1b[39m\n",
        "module: helper.ts\n",
        `elsewhere: ${pathToFileURL(root).href}/data/out.json\n`,
      ].join(""),
    );
  });
});
