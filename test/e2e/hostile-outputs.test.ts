import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, notebookJson, projectRoot, snapshot } from "../support/project-copy.js";

/**
 * A notebook that prints the private keys of keys/ the ways that got past the member-name guard,
 * run by the real build in a real tslab kernel: every such cell is named.
 */
describe("notebooks that leak the private keys of keys/ or print a forged token", () => {
  let copy: ProjectCopy;
  let run: Awaited<ReturnType<ProjectCopy["run"]>>;
  let before_: Map<string, string>;
  const leaks: Record<string, string> = {
    "console.table": "console.table(set.keys)",
    "Object.entries": "console.log(Object.entries(jwk))",
    "a Map": "console.log(new Map(Object.entries(jwk)))",
    "a long member before kty": 'console.log(JSON.stringify({ note: "x".repeat(30000), ...jwk }))',
    "display.raw with another MIME type": 'tslab.display.raw("application/x-key+text", JSON.stringify(jwk))',
    "a JSON string stringified twice": "JSON.stringify(JSON.stringify(jwk))",
    "hex of d": 'console.log(Buffer.from(jwk.d, "base64url").toString("hex"))',
  };

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    await copy.write(
      "notebooks/leaks.ipynb",
      notebookJson([
        'import * as fs from "fs";\nimport * as tslab from "tslab";\nconst set = JSON.parse(fs.readFileSync("../keys/RS384.private.json", "utf8"));\nconst jwk = set.keys.find((k: { d?: string }) => k.d);',
        ...Object.values(leaks),
      ]),
    );
    await copy.write(
      "notebooks/forged.ipynb",
      notebookJson([
        [
          'const b64 = (s: string) => Buffer.from(s).toString("base64url");',
          'const forged = `${b64(\'{ "alg": "RS384", "kid": "nobody" }\')}.${b64(JSON.stringify({ sub: "forged" }))}.${"c2ln".repeat(40)}`;',
          "console.log(forged.match(/.{1,64}/g)!.join(\"\\n\"));",
        ].join("\n"),
      ]),
    );
    // Forged tokens outside code outputs, or in pieces a browser joins up.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const forged = `${b64({ alg: "RS384", kid: "nobody" })}.${b64({ sub: "forged" })}.${"c2ln".repeat(40)}`;
    const none = `${b64({ alg: "none" })}.${b64({ sub: "admin" })}.`;
    const forged2 = JSON.parse(notebookJson([
      `// the token to send: ${none}\nconsole.log("ok")`,
      // The segments as separate strings: the source itself shows no token.
      `const parts = ${JSON.stringify(forged.split("."))};\ntslab.display.html(parts.map((p) => \`<span>\${p}</span>\`).join("."));`,
      `const segments = ${JSON.stringify(forged.split("."))};\nconsole.log(segments.join("\\u200b."));`,
    ].map((source, i) => (i === 1 ? `import * as tslab from "tslab";\n${source}` : source)))) as { cells: object[] };
    forged2.cells.unshift({ cell_type: "markdown", id: "prose", metadata: {}, source: `A token: ${forged.split(".").join("\\.")}` });
    await copy.write("notebooks/forged2.ipynb", JSON.stringify(forged2, null, 1));
    before_ = await snapshot(copy.path("docs"));
    run = await copy.run(["notebooks/leaks.ipynb", "notebooks/forged.ipynb", "notebooks/forged2.ipynb"]);
  });
  after(async () => copy?.dispose());

  test("the build fails with exit 1 and writes neither page", async () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const written = [...(await snapshot(copy.path("docs"))).keys()].filter((path) => !before_.has(path));
    assert.deepEqual(written.filter((path) => /leaks|forged/.test(path)), []);
    assert.match(run.stdout, /^FAIL +notebooks\/forged2\.ipynb/m);
  });

  test("a forged token with a spaced header, wrapped at 64 columns, fails its notebook", () => {
    assert.match(run.stdout + run.stderr, /notebooks\/forged\.ipynb, cell 1: token eyAi\S*… does not verify against keys\/: unknown kid "nobody"/);
  });

  test("a forged token in prose, in a code comment (alg none), in HTML spans or with zero-width spaces fails its cell", () => {
    const out = run.stdout + run.stderr;
    assert.match(out, /notebooks\/forged2\.ipynb, cell 1: token eyJ\S*… does not verify against keys\/: unknown kid "nobody"/);
    assert.match(out, /notebooks\/forged2\.ipynb, cell 2: token eyJ\S*… does not verify against keys\/: alg none is not allowed/);
    assert.match(out, /notebooks\/forged2\.ipynb, cell 3: token eyJ\S*… does not verify against keys\/: unknown kid "nobody"/);
    assert.match(out, /notebooks\/forged2\.ipynb, cell 4: token eyJ\S*… does not verify against keys\/: unknown kid "nobody"/);
  });

  test("every leaking cell is named, with what it shows", () => {
    const out = run.stdout + run.stderr;
    Object.keys(leaks).forEach((what, i) => {
      assert.match(out, new RegExp(`notebooks/leaks\\.ipynb, cell ${i + 2}: the cell's output \\d+ \\([^)]+\\) shows private key material \\(keys/RS384\\.private\\.json, kid "[^"]+", member \\w+, as [a-z0-9 ]+\\)`), `${what}\n${out}`);
    });
  });
});

/**
 * The README's CI recipe, keys outside the project (`--keys /ci/keys -p keysDir=/ci/keys`), and
 * spellings that passed the first guard: each cell is named and no page is written.
 */
describe("notebooks that leak keys the run names outside the project, in other spellings", () => {
  let copy: ProjectCopy;
  let ci: string;
  let run: Awaited<ReturnType<ProjectCopy["run"]>>;
  const leaks: Record<string, string> = {
    "console.table of the private key": "console.table(jwk)",
    "d in 12-character groups joined by -": 'console.log(jwk.d.match(/.{1,12}/g)!.join("-"))',
    "d in groups joined by /": 'console.log(jwk.d.match(/.{1,12}/g)!.join("/"))',
    "d in pieces over several outputs": 'for (const piece of jwk.d.match(/.{1,10}/g)!) { console.log(piece); tslab.display.text("·"); }',
    "base64 of the whole JWK's JSON": 'console.log(Buffer.from(JSON.stringify(jwk)).toString("base64"))',
    "a PNG whose text chunk holds the JWK": [
      "const chunk = (type: string, data: Buffer) => { const n = Buffer.alloc(4); n.writeUInt32BE(data.length); return Buffer.concat([n, Buffer.from(type), data, Buffer.alloc(4)]); };",
      'tslab.display.png(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("tEXt", Buffer.from("k\\0" + JSON.stringify(jwk), "latin1")), chunk("IEND", Buffer.alloc(0))]));',
    ].join("\n"),
  };

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    ci = await mkdtemp(join(tmpdir(), "ci-keys-"));
    execFileSync(process.execPath, [join(projectRoot, "dist/scripts/make-keys.js"), "--out-dir", ci], { stdio: "ignore" });
    await copy.write(
      "notebooks/leaks2.ipynb",
      notebookJson([
        { source: 'const keysDir: string = "../keys";', tags: ["parameters"] },
        'import * as fs from "fs";\nimport * as tslab from "tslab";\nconst jwk = JSON.parse(fs.readFileSync(`${keysDir}/ES384.private.json`, "utf8")).keys.find((k: { d?: string }) => k.d);',
        ...Object.values(leaks),
        [
          'import * as crypto from "crypto";',
          'const generated = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });',
          "delete generated.kty;",
          "console.log(JSON.stringify(generated));",
        ].join("\n"),
      ]),
    );
    await mkdir(copy.path("site"));
    run = await copy.run(["-p", `keysDir=${ci}`, "--keys", ci, "--out-dir", copy.path("site"), "notebooks/leaks2.ipynb"]);
  });
  after(async () => {
    await copy?.dispose();
    if (ci) await rm(ci, { recursive: true, force: true });
  });

  test("the build fails with exit 1 and writes no page", async () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.deepEqual(await readdir(copy.path("site")), ["index.html"]);
    assert.doesNotMatch(await copy.read("site", "index.html"), /leaks2/);
  });

  test("every leaking cell is named, with the key file outside the project", () => {
    const out = run.stdout + run.stderr;
    const file = `${ci}/ES384.private.json`.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    Object.keys(leaks).forEach((what, i) => {
      // Cell 3 on: the parameters cell, the injected one and the loading cell come first.
      assert.match(out, new RegExp(`notebooks/leaks2\\.ipynb, cell ${i + 4}: the cell's [^\\n]* private key material \\(${file}, kid "[^"]+", member d, as [a-z0-9 ]+\\)`), `${what}\n${out}`);
    });
    assert.match(out, new RegExp(`notebooks/leaks2\\.ipynb, cell ${Object.keys(leaks).length + 4}: private key material in the cell's output 1 \\(JWK member "d"\\)`), out);
  });
});
