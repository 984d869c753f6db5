import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, snapshot } from "../support/project-copy.js";

// What a user can put in front of the build ends in one clear line and an exit status from its
// error code: never "internal error", never a stack. All cases render stored outputs
// (--no-execute), so no kernel is needed; one project copy serves them all.

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
/** A compact JWS whose kid no key set holds: it can never verify. */
const UNKNOWN_TOKEN = `${b64url({ alg: "RS384", kid: "nobody-holds-this" })}.${b64url({ iss: "x" })}.${"A".repeat(342)}`;

function notebook(outputs: unknown[][]): string {
  return JSON.stringify({
    cells: outputs.map((o, i) => ({ cell_type: "code", execution_count: i + 1, id: `c${i}`, metadata: {}, outputs: o, source: `cell ${i + 1}` })),
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}
const text = (s: string): unknown => ({ output_type: "stream", name: "stdout", text: s });
const image = (data: string, metadata: Record<string, unknown> = {}): unknown => ({ output_type: "display_data", data: { "image/png": data, "text/plain": "<image>" }, metadata });

let copy: ProjectCopy;
let outside: string;

/** stdout and stderr of a run, with neither a stack frame nor an internal error in them. */
function clean(result: { stdout: string; stderr: string }): string {
  const all = result.stdout + result.stderr;
  assert.doesNotMatch(all, /internal error|^\s+at .+:\d+:\d+\)?$/m, all);
  return all;
}

describe("one error model", () => {
  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    outside = await mkdtemp(join(tmpdir(), "outside-project-"));
    await copy.write("bad/unsafe-filename.ipynb", notebook([[image(PNG, { filename: "../../escape.png" })]]));
    await copy.write("bad/corrupt-image.ipynb", notebook([[text("fine\n")], [image("iVBORw0KGg")]]));
    await copy.write("bad/findings.ipynb", notebook([[text('{"kty":"EC","d":"secret"}\n')], [text(`${UNKNOWN_TOKEN}\n`)], [text(`again ${UNKNOWN_TOKEN}x\n`)]]));
  });
  after(async () => {
    await copy?.dispose();
    await rm(outside, { recursive: true, force: true });
  });

  test("an unsafe output filename and a corrupt base64 image fail their notebook with exit 1, naming notebook and cell", async () => {
    const result = await copy.run(["--no-execute", "bad/unsafe-filename.ipynb", "bad/corrupt-image.ipynb"]);
    const all = clean(result);
    assert.equal(result.code, 1, all);
    assert.match(result.stderr, /^ {2}bad\/unsafe-filename\.ipynb: cell 1: output "filename" metadata "\.\.\/\.\.\/escape\.png" must stay inside the files folder$/m);
    assert.match(result.stderr, /^ {2}bad\/corrupt-image\.ipynb: cell 2: image\/png output is not valid base64/m);
  });

  test("every finding of every check is reported, one line each", async () => {
    const result = await copy.run(["--no-execute", "bad/findings.ipynb"]);
    const all = clean(result);
    assert.equal(result.code, 1, all);
    assert.match(result.stderr, /^ {2}bad\/findings\.ipynb, cell 1: private key material in the cell's output 1 \(JWK member "d"\)/m);
    assert.match(result.stderr, /^ {2}bad\/findings\.ipynb, cell 2: token eyJ[\w-]{17}… does not verify against keys\//m);
    assert.match(result.stderr, /^ {2}bad\/findings\.ipynb, cell 3: token eyJ[\w-]{17}… does not verify against keys\//m);
  });

  test("--no-checks renders the same notebook, with one warning line", async () => {
    const result = await copy.run(["--no-execute", "--no-checks", "bad/findings.ipynb"]);
    const all = clean(result);
    assert.equal(result.code, 0, all);
    assert.equal(result.stderr.match(/warning/g)?.length, 1, all);
    assert.match(result.stderr, /^warning: --no-checks: tokens are not verified and private keys not refused in this run$/m);
  });

  test("a keys file that is not JSON fails the build once, before any notebook, with exit 2 naming the file; --no-checks does not need keys/", async () => {
    await copy.write("keys/broken.json", "{ not json");
    try {
      const result = await copy.run(["--no-execute", "bad/findings.ipynb", "bad/corrupt-image.ipynb"]);
      const all = clean(result);
      assert.equal(result.code, 2, all);
      assert.match(result.stderr, new RegExp(`^build-docs: ${copy.path("keys", "broken.json").replace(/[.]/g, "\\.")}: not valid JSON`, "m"));
      assert.equal(result.stderr.trim().split("\n").length, 1, all);
      assert.doesNotMatch(result.stdout, /bad\//, "no notebook was started");
      const unchecked = await copy.run(["--no-execute", "--no-checks", "bad/corrupt-image.ipynb"]);
      // The corrupt image still fails; the broken keys/ is no error under --no-checks.
      assert.equal(unchecked.code, 1, clean(unchecked));
      assert.doesNotMatch(unchecked.stderr, /broken\.json/);
    } finally {
      await rm(copy.path("keys", "broken.json"));
    }
    await rm(copy.path("keys"), { recursive: true });
    try {
      const result = await copy.run(["--no-execute", "--no-checks", "bad/findings.ipynb"]);
      assert.equal(result.code, 0, clean(result));
    } finally {
      await copy.write("keys/.keep", "");
    }
  });

  test("an --out-dir that is a file is refused before anything runs (exit 2), not an internal error", async () => {
    const result = await copy.run(["--no-execute", "--no-checks", "--out-dir", "package.json", "bad/findings.ipynb"]);
    assert.equal(result.code, 2, clean(result));
    assert.match(result.stderr, /^--out-dir package\.json: not a folder$/m);
    assert.doesNotMatch(clean(result), /internal error|    at /);
  });

  test("a kernelspec whose program is not installed fails its notebook with exit 1, naming kernel, reason and kernelspec", async () => {
    const specDir = join(outside, "jupyter", "kernels", "ghost");
    await mkdir(specDir, { recursive: true });
    await writeFile(join(specDir, "kernel.json"), JSON.stringify({ argv: ["/nonexistent/ghost-kernel", "{connection_file}"], display_name: "Ghost", language: "ghost" }));
    const ghost = JSON.parse(notebook([[]])) as { metadata: Record<string, unknown> };
    ghost.metadata.kernelspec = { name: "ghost", display_name: "Ghost", language: "ghost" };
    await copy.write("bad/ghost.ipynb", JSON.stringify(ghost));
    const result = await copy.run(["--no-checks", "bad/ghost.ipynb"], { env: { JUPYTER_PATH: join(outside, "jupyter") } });
    assert.equal(result.code, 1, clean(result));
    assert.match(result.stderr, new RegExp(`^ {2}bad/ghost\\.ipynb: kernel "ghost" could not be started: spawn /nonexistent/ghost-kernel ENOENT \\(from ${specDir}\\)$`, "m"));
  });

  test("--no-execute --out-dir on notebooks outside the project writes no page, notebook or cache inside it", async () => {
    await writeFile(join(outside, "elsewhere.ipynb"), notebook([[text("from elsewhere\n")]]));
    // A page of the project's own, built before: the index made elsewhere must not list it.
    await copy.write("notebooks/own-page.ipynb", notebook([[text("the project's page\n")]]));
    assert.equal((await copy.run(["--no-execute"])).code, 0);
    const before = await snapshot(copy.dir);
    const result = await copy.run(["--no-execute", "--out-dir", join(outside, "site"), join(outside, "elsewhere.ipynb")]);
    assert.equal(result.code, 0, clean(result));
    const afterRun = await snapshot(copy.dir);
    assert.deepEqual([...afterRun.keys()].filter((p) => !before.has(p) || before.get(p) !== afterRun.get(p)), []);
    assert.deepEqual((await readdir(join(outside, "site"))).sort(), [".docs-manifest.json", "elsewhere.html", "elsewhere.md", "index.html"]);
    const index = await readFile(join(outside, "site", "index.html"), "utf8");
    assert.match(index, /href="elsewhere\.html"/);
    assert.doesNotMatch(index, /own-page/);
  });
});
