import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { findTokens } from "../../src/tokens/find.js";
import { cellTags } from "../../src/tokens/output-text.js";
import { ProjectCopy, snapshot, type RunResult } from "../support/project-copy.js";
import { hasJekyll, prerequisite } from "../support/require.js";

// `--ig DIR` as the IG publisher renders it: Debian's Jekyll 4.3 includes each page through
// Liquid, then markdownifies it (kramdown), one Jekyll run for every page. The project's pages
// come from their committed notebooks (--no-execute: their outputs were verified when built);
// one more notebook is executed here and prints Liquid, which must arrive as printed.

const run = promisify(execFile);
const LIQUID = "{{ site.title }} {% include x.html %} {%- endraw -%}";
const SITE_TITLE = "SITE-TITLE-FROM-LIQUID";
const INCLUDED = "INCLUDED-BY-LIQUID";
/** Stand-ins for two of the spec's pages: its normative introspection page, and an example page a notebook reproduces. */
const NORMATIVE = { path: "input/pages/token-introspection.md", text: "### Required fields in the introspection response\n\nNormative text.\n" };
const OLD_EXAMPLE = { path: "input/pages/example-app-launch-public.md", text: "### Launch App\n\nThe spec's hand-pasted page.\n" };

const liquidNotebook = JSON.stringify({
  cells: [
    { cell_type: "markdown", id: "a", metadata: {}, source: '<a id="step-1-liquid"></a>\n# Liquid in outputs\n\nThe author\'s own Liquid: {{ site.title }}.' },
    { cell_type: "code", execution_count: null, id: "b", metadata: {}, outputs: [], source: `const text = ${JSON.stringify(LIQUID)};\nconsole.log(text);` },
    { cell_type: "code", execution_count: null, id: "c", metadata: {}, outputs: [], source: 'import { display } from "tslab";\ndisplay.markdown("Markdown made by code: `" + text + "`");' },
    { cell_type: "code", execution_count: null, id: "d", metadata: { tags: ["remove-input"] }, outputs: [], source: 'console.log("{{ unterminated and {% endraw %}")' },
  ],
  metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" }, language_info: { name: "typescript" } },
  nbformat: 4,
  nbformat_minor: 5,
}, null, 1) + "\n";

let copy: ProjectCopy;
let ig: string;
let site: string;
let builds: RunResult[] = [];
let names: string[] = [];
let projectBefore: Map<string, string>;
const html = new Map<string, string>();

const ready = hasJekyll();

describe("--ig pages rendered by Jekyll as the IG publisher renders them", { skip: !ready && process.env.CI !== "true" ? "jekyll not installed" : false }, () => {
  before(async () => {
    copy = await ProjectCopy.create();
    const committed = (await readdir(copy.path("notebooks"))).filter((f) => f.endsWith(".ipynb")).sort();
    await copy.write("notebooks/liquid-output.ipynb", liquidNotebook);
    projectBefore = await snapshot(copy.dir);
    ig = await mkdtemp(join(tmpdir(), "ig-jekyll-"));
    await mkdir(join(ig, "input", "pages"), { recursive: true });
    for (const page of [NORMATIVE, OLD_EXAMPLE]) await writeFile(join(ig, page.path), page.text);
    builds = [
      await copy.run(["--no-execute", "--ig", ig, ...committed.map((f) => `notebooks/${f}`)]),
      await copy.run(["--ig", ig, "notebooks/liquid-output.ipynb"]),
    ];
    for (const b of builds) if (b.code !== 0) throw new Error(`the build failed:\n${b.stdout}${b.stderr}`);
    names = [...committed.map((f) => f.slice(0, -".ipynb".length)), "liquid-output"];

    // A site whose _includes hold the pages (the publisher copies input/pages there) and one
    // page per IG page that includes it and markdownifies it; Liquid errors fail the run.
    site = join(ig, ".site");
    await mkdir(join(site, "_includes"), { recursive: true });
    await writeFile(join(site, "_config.yml"), `title: ${SITE_TITLE}\nmarkdown: kramdown\nliquid:\n  error_mode: strict\n  strict_filters: true\n`);
    await writeFile(join(site, "_includes", "x.html"), INCLUDED);
    for (const name of names) {
      await cp(join(ig, "input", "pages", `${name}.md`), join(site, "_includes", `${name}.md`));
      await writeFile(join(site, `${name}.html`), `---\n---\n{% capture content %}{% include ${name}.md %}{% endcapture %}{{ content | markdownify }}\n`);
    }
    if (!ready) return;
    await run("jekyll", ["build", "--safe", "--quiet", "--source", site, "--destination", join(ig, ".out")], { env: { ...process.env, JEKYLL_ENV: "production" } });
    for (const name of names) html.set(name, await readFile(join(ig, ".out", `${name}.html`), "utf8"));
  });
  after(async () => {
    await copy?.dispose();
    if (ig) await rm(ig, { recursive: true, force: true });
  });

  test("prerequisite: jekyll", (t) => {
    prerequisite(t, ready, "jekyll not installed (apt-get install jekyll)");
  });

  test("the build writes input/pages/<name>.md and input/images/<name>.ipynb with a manifest, nothing else, and nothing in the project", async () => {
    for (const b of builds) assert.equal(b.code, 0, b.stdout + b.stderr);
    const entries = await readdir(ig, { recursive: true, withFileTypes: true });
    const files = entries.filter((e) => e.isFile()).map((e) => relative(ig, join(e.parentPath, e.name))).filter((f) => !f.startsWith(".site/") && !f.startsWith(".out/")).sort();
    const expected = ["input/.docs-manifest.json", NORMATIVE.path, ...names.map((n) => `input/images/${n}.ipynb`), ...names.map((n) => `input/pages/${n}.md`)].sort();
    assert.deepEqual(files, expected);
    assert.deepEqual(await snapshot(copy.dir), projectBefore, "docs/ and notebooks/ stay as they are");
    const executed = JSON.parse(await readFile(join(ig, "input", "images", "liquid-output.ipynb"), "utf8")) as INotebookContent;
    assert.equal((executed.cells[1] as { outputs: unknown[] }).outputs.length, 1, "the executed notebook goes to input/images");
  });

  test("the IG's page of a notebook's name is replaced; its normative token-introspection.md is left as it was", async () => {
    assert.equal(await readFile(join(ig, NORMATIVE.path), "utf8"), NORMATIVE.text);
    assert.ok(names.includes("example-token-introspection"), "the introspection example is a page of its own");
    const replaced = await readFile(join(ig, OLD_EXAMPLE.path), "utf8");
    assert.notEqual(replaced, OLD_EXAMPLE.text);
    assert.match(replaced, /<a id="step-2-launch"><\/a>\n\n### Launch App\n/);
    assert.doesNotMatch(replaced, /^# /m, "no title of its own: the IG's template prints it");
  });

  test("usage errors, exit 2 before anything runs: no such folder, --out-dir as well, parameters, a folder inside notebooks/", async () => {
    const cases: [string[], RegExp][] = [
      [["--ig", join(ig, "missing")], /--ig .*missing: not a folder/],
      [["--ig", ig, "--out-dir", join(ig, "out")], /--ig and --out-dir name two places/],
      [["--ig", ig, "-p", "x=1", "notebooks/liquid-output.ipynb"], /--ig publishes the notebooks as they are/],
      [["--ig", "notebooks"], /--ig notebooks overlaps notebooks\//],
    ];
    for (const [args, message] of cases) {
      const r = await copy.run(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  test("every token on every page arrives intact in the HTML", async () => {
    let count = 0;
    for (const name of names) {
      const page = await readFile(join(ig, "input", "pages", `${name}.md`), "utf8");
      const shown = new Set(findTokens(html.get(name)!).map((t) => t.token));
      for (const { token } of findTokens(page)) {
        count++;
        assert.ok(shown.has(token), `${name}: token ${token.slice(0, 30)}… is not in the HTML as printed`);
      }
    }
    assert.ok(count > 50, `${count} tokens checked`);
  });

  test("the step anchors of the markdown cells are on the HTML pages", async () => {
    let count = 0;
    for (const name of names) {
      const nb = JSON.parse(await copy.read("notebooks", `${name}.ipynb`)) as INotebookContent;
      for (const cell of nb.cells) {
        if (cell.cell_type !== "markdown" || cellTags(cell).some((t) => t === "remove-cell" || t === "remove-input")) continue;
        const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
        for (const [anchor] of source.matchAll(/<a id="step-[^"]*"><\/a>/g)) {
          count++;
          assert.ok(html.get(name)!.includes(anchor), `${name}: ${anchor} missing from the HTML`);
        }
      }
    }
    assert.ok(count > 0, "anchors checked");
  });

  test("output printing Liquid shows exactly what it printed; the author's Liquid is evaluated", () => {
    const page = html.get("liquid-output")!;
    const escaped = LIQUID.replaceAll("&", "&amp;");
    assert.ok(page.includes(`<code>${escaped}\n</code>`), "the printed line, as a code block");
    assert.ok(page.includes(`<code class="language-typescript highlighter-rouge">`) || page.includes("site.title"), "the code cell");
    assert.match(page, /Markdown made by code: <code class="language-plaintext highlighter-rouge">\{\{ site\.title \}\} \{% include x\.html %\} \{%- endraw -%\}<\/code>/);
    assert.ok(page.includes("{{ unterminated and {% endraw %}"), "an unterminated {{ and an endraw of the output");
    assert.ok(page.includes(`The author’s own Liquid: ${SITE_TITLE}.`) || page.includes(`The author's own Liquid: ${SITE_TITLE}.`), "a markdown cell's Liquid is the author's");
    assert.equal(page.split(SITE_TITLE).length - 1, 1, "site.title evaluated once: in the markdown cell only");
    assert.ok(!page.includes(INCLUDED), "no include evaluated");
  });
});
