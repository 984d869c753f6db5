import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { KernelClient } from "../../src/kernel/client.js";
import type { JupyterMessage } from "../../src/kernel/messages.js";
import { DisplayRegistry, OutputCollector } from "../../src/kernel/to-output.js";
import { ProjectCopy } from "../support/project-copy.js";
import { fixturesDir } from "../support/root.js";

// A differential test of tslab's converter: ordinary TypeScript, split into cells at `// %%`
// lines, prints in a tslab kernel what it prints as one file run by tsx. Each cell's output is
// compared on its own; the one-file run marks where a cell ends with a line of its own.
const corpusDir = join(fixturesDir, "tslab-corpus");
const files = readdirSync(corpusDir).filter((f) => f.endsWith(".ts")).sort();
const cellsOf = (file: string): string[] => readFileSync(join(corpusDir, file), "utf8").split(/^\/\/ %%.*\n/m);
const MARK = "\u241ecell-end";

async function runCell(client: KernelClient, code: string): Promise<{ status: string; stdout: string; other: string }> {
  let messages: JupyterMessage[] = [];
  let reply = await client.execute({ code }, { timeoutMs: 30_000, onIopub: (m) => messages.push(m) });
  // tslab aborts requests for a moment after an error: a cell after a failing one is retried.
  for (let i = 0; i < 20 && reply.status === "abort"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    messages = [];
    reply = await client.execute({ code }, { timeoutMs: 30_000, onIopub: (m) => messages.push(m) });
  }
  const collector = new OutputCollector({ maxTextLength: 1 << 20, registry: new DisplayRegistry() });
  messages.forEach((m) => collector.handle(m));
  let stdout = "";
  let other = "";
  for (const o of collector.outputs) {
    if (o.output_type === "stream" && o.name === "stdout") stdout += String(o.text);
    else other += JSON.stringify(o);
  }
  return { status: reply.status, stdout, other };
}

let copy: ProjectCopy;
before(async () => {
  copy = await ProjectCopy.create({ notebooks: false, warm: true });
});
after(async () => copy?.dispose());

test("the corpus has at least 40 cells, the shorthand of an earlier cell's variable among them", () => {
  const cells = files.flatMap(cellsOf);
  assert.ok(cells.length >= 40, `${cells.length} cells`);
  assert.ok(cells.some((c) => c.includes("JSON.stringify({ a })")));
});

for (const file of files) {
  describe(`tslab runs ${file} cell by cell as tsx runs it as one file`, () => {
    const cells = cellsOf(file);
    let client: KernelClient;
    let expected: string[];
    before(async () => {
      // As one ES module in the project copy (its package.json says "type": "module").
      const oneFile = copy.path(`${file.replace(/\.ts$/, "")}.one-file.ts`);
      await writeFile(oneFile, cells.map((c) => `${c}\n;console.log(${JSON.stringify(MARK)});\n`).join(""));
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", oneFile], { cwd: copy.dir });
      assert.equal(stderr, "");
      expected = stdout.split(`${MARK}\n`).slice(0, cells.length);
      assert.equal(expected.length, cells.length);
      client = await KernelClient.start({ kernel: "tslab", cwd: copy.dir });
    });
    after(async () => client?.shutdown());

    cells.forEach((code, i) => {
      test(`cell ${i + 1}: ${code.split("\n").find((l) => l && !l.startsWith("//"))}`, async () => {
        const got = await runCell(client, code);
        assert.equal(got.other, "", "no output but stdout");
        assert.equal(got.status, "ok");
        assert.equal(got.stdout, expected[i]);
      });
    });
  });
}
