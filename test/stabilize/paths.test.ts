import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { relativizeStreamText } from "../../src/stabilize/paths.js";

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
