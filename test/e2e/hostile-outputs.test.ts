import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ProjectCopy, notebookJson, snapshot } from "../support/project-copy.js";

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
    before_ = await snapshot(copy.path("docs"));
    run = await copy.run(["notebooks/leaks.ipynb", "notebooks/forged.ipynb"]);
  });
  after(async () => copy?.dispose());

  test("the build fails with exit 1 and writes neither page", async () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const written = [...(await snapshot(copy.path("docs"))).keys()].filter((path) => !before_.has(path));
    assert.deepEqual(written.filter((path) => /leaks|forged/.test(path)), []);
  });

  test("a forged token with a spaced header, wrapped at 64 columns, fails its notebook", () => {
    assert.match(run.stdout + run.stderr, /notebooks\/forged\.ipynb, cell 1: token eyAi\S*… does not verify against keys\/: unknown kid "nobody"/);
  });

  test("every leaking cell is named, with what it shows", () => {
    const out = run.stdout + run.stderr;
    Object.keys(leaks).forEach((what, i) => {
      assert.match(out, new RegExp(`notebooks/leaks\\.ipynb, cell ${i + 2}: the cell's output \\d+ \\([^)]+\\) shows private key material \\(keys/RS384\\.private\\.json, kid "[^"]+", member \\w+, as [a-z0-9 ]+\\)`), `${what}\n${out}`);
    });
  });
});
