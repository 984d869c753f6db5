import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { ICodeCell, INotebookContent, IOutput } from "@jupyterlab/nbformat";
import * as jose from "jose";
import { projectRoot as root } from "../support/project-copy.js";

// What each page must show, read from the committed notebooks. They are what the build
// writes (test/e2e/build.test.ts) and what real Jupyter computes from the same inputs, ES384
// signatures aside (test/e2e/parity-execute.test.ts), so no notebook is run again here.
// The spec's keys reproducing the published tokens: test/e2e/spec-page.test.ts.
const NOTEBOOKS = {
  jwks: "authorization-example-jwks-and-signatures",
  idToken: "worked_example_id_token",
  backend: "example-backend-services",
} as const;
/** The pages run against the notebooks' own SMART server (notebooks/lib/). */
const APP_LAUNCH_NOTEBOOKS = [
  "example-app-launch-public",
  "example-app-launch-symmetric-auth",
  "example-app-launch-asymmetric-auth",
  "example-token-introspection",
] as const;
const TOKEN = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/g;
const PRIVATE_MEMBER = /"(d|p|q|dp|dq|qi|oth|k)"\s*:/;

const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : String(value ?? ""));

interface CellOutput {
  cell: number; // 1-based, markdown cells included
  tags: string[];
  outputs: IOutput[];
  text: string; // stream text and text/* data, in order
}

function cellOutputs(nb: INotebookContent): CellOutput[] {
  return nb.cells.flatMap((cell, i) => {
    if (cell.cell_type !== "code") return [];
    const outputs = (cell as ICodeCell).outputs;
    const parts = outputs.map((o) =>
      o.output_type === "stream"
        ? text(o.text)
        : Object.entries((o.data ?? {}) as Record<string, unknown>)
            .filter(([mime]) => mime.startsWith("text/"))
            .map(([, v]) => text(v))
            .join("\n"),
    );
    const tags = ((cell.metadata as { tags?: string[] }).tags ?? []).slice();
    return [{ cell: i + 1, tags, outputs, text: parts.join("\n") }];
  });
}

const allText = (nb: INotebookContent): string => cellOutputs(nb).map((c) => c.text).join("\n");
/** The Markdown cells of a notebook, joined. */
const markdownOf = (nb: INotebookContent): string =>
  nb.cells.filter((c) => c.cell_type === "markdown").map((c) => text(c.source)).join("\n\n");

const readSet = (dir: string, file: string): jose.JSONWebKeySet =>
  JSON.parse(readFileSync(join(dir, file), "utf8")) as jose.JSONWebKeySet;
/** Every public key set in the folder and its direct subfolders (keys/spec/). */
const publicKeys = (dir: string) =>
  jose.createLocalJWKSet({
    keys: readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".public.json") && file.split("/").length <= 2)
      .flatMap((file) => readSet(dir, file).keys),
  });

/** Checks what every page must satisfy; returns the tokens printed by cells not tagged "unverified-token". */
async function checkCommon(nb: INotebookContent, name: string, keysDir: string): Promise<string[]> {
  const keys = publicKeys(keysDir);
  const tokens: string[] = [];
  for (const c of cellOutputs(nb)) {
    const where = `notebooks/${name}.ipynb, cell ${c.cell}`;
    for (const o of c.outputs) {
      assert.notEqual(o.output_type, "error", `${where}: error output`);
      if (o.output_type === "stream") assert.equal(o.name, "stdout", `${where}: stderr output: ${text(o.text)}`);
    }
    assert.doesNotMatch(c.text, PRIVATE_MEMBER, `${where}: private JWK member in the output`);
    assert.doesNotMatch(c.text, /PRIVATE KEY/, `${where}: PEM private key in the output`);
    if (c.tags.includes("unverified-token")) continue;
    for (const token of c.text.match(TOKEN) ?? []) {
      await jose.compactVerify(token, keys).catch((e: Error) => assert.fail(`${where}: token does not verify: ${e.message}`));
      tokens.push(token);
    }
  }
  assert.ok(nb.metadata.kernelspec?.name === "tslab");
  return tokens;
}

/** A committed notebook, as the build wrote it. */
const committed = (name: string): INotebookContent =>
  JSON.parse(readFileSync(join(root, "notebooks", `${name}.ipynb`), "utf8")) as INotebookContent;

test("the JWKS and signatures page signs RS384 and ES384 assertions that verify", async () => {
  const jwks = committed(NOTEBOOKS.jwks);
  const tokens = await checkCommon(jwks, NOTEBOOKS.jwks, join(root, "keys"));
  assert.deepEqual(tokens.map((tk) => jose.decodeProtectedHeader(tk).alg), ["RS384", "ES384"]);
  for (const token of tokens) {
    const header = JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(header), ["alg", "kid", "typ"]);
    assert.equal(
      Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"),
      '{"iss":"https://bili-monitor.example.com","sub":"https://bili-monitor.example.com",' +
        '"aud":"https://authorize.smarthealthit.org/token","exp":1422568860,"jti":"random-non-reusable-jwt-id-123"}',
    );
  }
  const out = allText(jwks);
  // The spec page's headings, as Markdown cells above the code that does each step.
  const md = markdownOf(jwks);
  assert.match(md, /^### Encoded JWT with RS384 Signature$/m);
  assert.match(md, /^### Encoded JWT with ES384 Signature$/m);
  assert.match(out, /^signed with kid \S+$/m, "the kid a token is signed with is printed by the cell that signs");
  assert.match(out, /verified: signature RS384 with kid /);
  assert.match(out, /verified: signature ES384 with kid /);
  assert.match(out, /"keys": \[/);
});

test("the ID token page signs with the server's key and validates through the issuer's openid-configuration", async () => {
  const idToken = committed(NOTEBOOKS.idToken);
  const tokens = await checkCommon(idToken, NOTEBOOKS.idToken, join(root, "keys"));
  assert.equal(tokens.length, 1);
  const claims = jose.decodeJwt(tokens[0]!);
  assert.equal(claims.sub, "alice");
  assert.equal(claims.aud, "growth-chart-app-123");
  assert.equal(claims.iss, "https://my-ehr.org");
  assert.equal(claims.fhirUser, "https://my-ehr.org/fhir/Practitioner/123");
  // The server's key, not a client's: it verifies with keys/server-RS384.public.json alone.
  const serverKey = jose.createLocalJWKSet(readSet(join(root, "keys"), "server-RS384.public.json"));
  await jose.compactVerify(tokens[0]!, serverKey);
  const out = allText(idToken);
  assert.match(out, /-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----/);
  assert.match(out, /2\. GET https:\/\/my-ehr\.org\/\.well-known\/openid-configuration\n {3}jwks_uri: https:\/\/my-ehr\.org\/\.well-known\/jwks\.json/);
  assert.match(out, /4\. signature verifies with kid \S+ \(RS384\)/);
  assert.match(out, /rejected: ERR_JWT_CLAIM_VALIDATION_FAILED \(claim "aud"\)/);
  assert.match(out, /rejected: ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  assert.match(out, /rejected: ERR_JWT_EXPIRED/);
});

test("the backend services page: discovery, a system token for the spec's client and key, a FHIR search, and each refusal", async () => {
  const backend = committed(NOTEBOOKS.backend);
  const tokens = await checkCommon(backend, NOTEBOOKS.backend, join(root, "keys"));
  const assertion = tokens.find((t) => jose.decodeProtectedHeader(t).alg === "ES384");
  assert.ok(assertion, "the client assertion is shown");
  assert.deepEqual(jose.decodeProtectedHeader(assertion), { typ: "JWT", kid: "afb27c284f2d93959c18fa0320e32060", alg: "ES384" });
  const specKey = jose.createLocalJWKSet(readSet(join(root, "keys", "spec"), "app-launch-ES384.public.json"));
  await jose.compactVerify(assertion, specKey);
  assert.equal(jose.decodeJwt(assertion).iss, "demo_app_whatever");
  const out = allText(backend);
  assert.match(out, /curl 'https:\/\/ehr\.example\.com\/fhir\/\.well-known\/smart-configuration'/);
  assert.match(out, /grant_types_supported includes client_credentials/);
  assert.match(out, /-d 'grant_type=client_credentials'/);
  const shown = [...out.matchAll(/HTTP\/1\.1 (\d+)[^\n]*\n(?:[^\n]+\n)*\n(\{[\s\S]*?\n\})/g)].map((m) => ({
    status: Number(m[1]),
    body: JSON.parse(m[2]!) as { error?: string; error_description?: string; scope?: string; expires_in?: number; resourceType?: string; total?: number },
  }));
  assert.ok(shown.some((r) => r.status === 200 && r.body.scope === "system/*.rs" && r.body.expires_in === 3600), "a system token");
  assert.ok(shown.some((r) => r.status === 200 && r.body.resourceType === "Bundle" && r.body.total === 3), "the FHIR search");
  const refusals = shown.filter((r) => r.status !== 200);
  const described = (pattern: RegExp) =>
    refusals.find((r) => r.status === 401 && r.body.error === "invalid_client" && pattern.test(r.body.error_description ?? ""));
  assert.ok(described(/already been used/), "replayed jti refused");
  assert.ok(described(/expired/), "expired assertion refused");
  assert.ok(described(/aud must be/), "wrong audience refused");
  assert.ok(described(/kid "retired-key-2023"/), "unknown kid refused");
  assert.ok(refusals.some((r) => r.status === 400 && r.body.error === "invalid_scope"), "scope refused");
  assert.equal(refusals.length, 5, "five refusals, as the README says");
  assert.doesNotMatch(out, /127\.0\.0\.1:\d/, "the loopback port is never printed");
});

test("the app-launch and introspection pages show tokens that all verify, and never the loopback port", async () => {
  for (const name of APP_LAUNCH_NOTEBOOKS) {
    const nb = committed(name);
    const tokens = await checkCommon(nb, name, join(root, "keys"));
    assert.ok(tokens.length > 0, `${name}: tokens shown`);
    assert.doesNotMatch(allText(nb), /127\.0\.0\.1:\d/, `${name}: the loopback port is never printed`);
  }
});

/** The spec's examples.md lists its example pages in this order; introspection, not among them, follows. */
const SPEC_EXAMPLES_ORDER = [
  "example-app-launch-public",
  "example-app-launch-asymmetric-auth",
  "example-app-launch-symmetric-auth",
  "example-backend-services",
  "worked_example_id_token",
  "authorization-example-jwks-and-signatures",
  "example-token-introspection",
];

test("docs/index.html lists the pages in the order of the spec's examples.md, then introspection", () => {
  const index = readFileSync(join(root, "docs", "index.html"), "utf8");
  const listed = [...index.matchAll(/<li><a href="([^"]+)\.html">/g)].map((m) => m[1]);
  assert.deepEqual(listed, SPEC_EXAMPLES_ORDER);
  // Every notebook is in that list, so a new page has to be given its place.
  const notebooks = readdirSync(join(root, "notebooks")).filter((f) => f.endsWith(".ipynb")).map((f) => f.replace(/\.ipynb$/, ""));
  assert.deepEqual([...notebooks].sort(), [...SPEC_EXAMPLES_ORDER].sort());
});

test("each page has the IG's shape: no # heading (the IG's template prints metadata.title), steps as ### right after their anchors", () => {
  for (const name of SPEC_EXAMPLES_ORDER) {
    const nb = committed(name);
    assert.ok(typeof nb.metadata.title === "string" && nb.metadata.title.startsWith("Example "), `${name}: metadata.title`);
    const md = markdownOf(nb).replace(/^```[\s\S]*?^```/gm, "");
    assert.doesNotMatch(md, /^# /m, `${name}: a top-level heading`);
    assert.doesNotMatch(md, /^## /m, `${name}: a ## heading, above the spec's step level`);
    for (const m of md.matchAll(/<a id="(step-[^"]+)"><\/a>\n\n(.*)/g)) assert.match(m[2]!, /^### \S/, `${name}: the heading after ${m[1]}`);
  }
});

test("each page links near its top to the spec page it reproduces, carries the spec's step anchors, and says which key plays which role", () => {
  const spec = JSON.parse(readFileSync(join(root, "test", "fixtures", "spec", "deep-links.json"), "utf8")) as { anchors: Record<string, string[]>; reproduces: Record<string, string> };
  for (const [name, anchors] of Object.entries(spec.anchors)) {
    const nb = committed(name);
    const first = text(nb.cells[0]!.source);
    const specPage = spec.reproduces[name] ?? name;
    assert.ok(first.includes(`(https://hl7.org/fhir/smart-app-launch/${specPage}.html)`), `${name}: its first cell links the spec page`);
    const md = markdownOf(nb);
    for (const anchor of anchors) assert.ok(md.includes(`<a id="${anchor}"></a>`), `${name}: anchor ${anchor}`);
    assert.match(md, /\*\*Keys on this page\.\*\*/, `${name}: a keys note`);
  }
});

test("the launch, introspection and JWKS pages keep a step's prose in Markdown cells, not in display.markdown", () => {
  for (const name of [...APP_LAUNCH_NOTEBOOKS, NOTEBOOKS.jwks]) {
    const nb = committed(name);
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => text(c.source)).join("\n");
    // One computed table (introspection) or sentence (the JWKS page's keys note) may be displayed as Markdown; no prose is.
    const calls = [...code.matchAll(/display\.markdown\(/g)].length;
    assert.ok(calls <= 1, `${name}: ${calls} display.markdown calls`);
    const plumbing = nb.cells.filter((c) => c.cell_type === "code" && /startSmartServer\(|^import /m.test(text(c.source)));
    for (const cell of plumbing) {
      assert.ok(((cell.metadata as { tags?: string[] }).tags ?? []).includes("remove-input"), `${name}: plumbing cell not tagged remove-input: ${text(cell.source).slice(0, 60)}`);
    }
  }
});
