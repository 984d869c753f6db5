import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ICodeCell, INotebookContent, IOutput } from "@jupyterlab/nbformat";
import * as jose from "jose";
import pLimit from "p-limit";
import { jupyterExecute, tslabKernelEnv } from "../support/jupyter-kernel.js";

// Runs the notebooks with real Jupyter (nbconvert + the tslab kernel) in scratch copies of the
// project, and checks what the pages must show.

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const specDir = join(root, "keys", "spec");
const publishedTokens = join(root, "test", "fixtures", "spec", "published-tokens.json");
const NOTEBOOKS = {
  jwks: "authorization-example-jwks-and-signatures",
  idToken: "worked-example-id-token",
  backend: "backend-services-token-request",
} as const;
const KEY_FILES = ["RS384.private.json", "RS384.public.json", "ES384.private.json", "ES384.public.json"];
const TOKEN = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/g;
const PRIVATE_MEMBER = /"(d|p|q|dp|dq|qi|oth|k)"\s*:/;

const scratch = mkdtempSync(join(tmpdir(), "notebooks-run-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the project's notebooks and keys (or other key files) that tslab can run. */
function projectCopy(name: string, keysFrom: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "keys"), { recursive: true });
  cpSync(join(root, "notebooks"), join(dir, "notebooks"), { recursive: true });
  for (const file of KEY_FILES) cpSync(join(keysFrom, file), join(dir, "keys", file));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

const limit = pLimit(2);
let runCount = 0;

/** Executes notebooks/<name>.ipynb of a project copy with real Jupyter; returns the executed notebook. */
function execute(project: string, name: string, env: NodeJS.ProcessEnv): Promise<INotebookContent> {
  return limit(async () => {
    const out = await jupyterExecute(join(project, "notebooks", `${name}.ipynb`), join(scratch, `out-${++runCount}`), env);
    return JSON.parse(readFileSync(out, "utf8")) as INotebookContent;
  });
}

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

const readSet = (dir: string, file: string): jose.JSONWebKeySet =>
  JSON.parse(readFileSync(join(dir, file), "utf8")) as jose.JSONWebKeySet;
const publicKeys = (dir: string) =>
  jose.createLocalJWKSet({ keys: [...readSet(dir, "RS384.public.json").keys, ...readSet(dir, "ES384.public.json").keys] });

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

/** Outputs reduced to what must be identical between runs: ES384 signatures are random, so they are dropped. */
function stableOutputs(nb: INotebookContent): string[] {
  return cellOutputs(nb).map((c) =>
    c.text.replace(TOKEN, (token) => (jose.decodeProtectedHeader(token).alg === "ES384" ? token.replace(/[^.]+$/, "<sig>") : token)),
  );
}

let results:
  | Promise<Record<"jwks" | "idToken" | "backend" | "jwksAgain" | "idTokenAgain" | "backendAgain", INotebookContent>>
  | undefined;
/** Every notebook run twice against the project's keys (for the reproducibility check), started once. */
function projectRuns(env: NodeJS.ProcessEnv) {
  results ??= (async () => {
    const project = projectCopy("project", join(root, "keys"));
    const [jwks, idToken, backend, jwksAgain, idTokenAgain, backendAgain] = await Promise.all([
      execute(project, NOTEBOOKS.jwks, env),
      execute(project, NOTEBOOKS.idToken, env),
      execute(project, NOTEBOOKS.backend, env),
      execute(project, NOTEBOOKS.jwks, env),
      execute(project, NOTEBOOKS.idToken, env),
      execute(project, NOTEBOOKS.backend, env),
    ]);
    return { jwks, idToken, backend, jwksAgain, idTokenAgain, backendAgain };
  })();
  return results;
}

const TIMEOUT = { timeout: 600_000 };

test("the JWKS and signatures page signs RS384 and ES384 assertions that verify", TIMEOUT, async (t) => {
  const env = await tslabKernelEnv(t);
  if (!env) return;
  const { jwks } = await projectRuns(env);
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
  assert.match(out, /^### Encoded JWT with RS384 signature/m, "headings come out as Markdown");
  assert.match(out, /verified: signature RS384 with kid /);
  assert.match(out, /verified: signature ES384 with kid /);
  assert.match(out, /"keys": \[/);
});

test("with the specification's keys, the JWKS page reproduces the published tokens", TIMEOUT, async (t) => {
  const env = await tslabKernelEnv(t);
  if (!env) return;
  const published = JSON.parse(readFileSync(publishedTokens, "utf8")) as {
    tokens: { RS384: string; ES384: string };
  };
  const nb = await execute(projectCopy("spec-keys", specDir), NOTEBOOKS.jwks, env);
  const [rs384, es384] = await checkCommon(nb, NOTEBOOKS.jwks, specDir);
  assert.equal(rs384, published.tokens.RS384, "RS384 is deterministic: byte for byte the published token");
  const signedPart = (token: string) => token.split(".").slice(0, 2).join(".");
  assert.equal(signedPart(es384!), signedPart(published.tokens.ES384), "ES384 header and payload as published");
  await jose.compactVerify(es384!, jose.createLocalJWKSet(readSet(specDir, "ES384.public.json")));
});

test("the ID token page validates the token and shows the refusals", TIMEOUT, async (t) => {
  const env = await tslabKernelEnv(t);
  if (!env) return;
  const { idToken } = await projectRuns(env);
  const tokens = await checkCommon(idToken, NOTEBOOKS.idToken, join(root, "keys"));
  assert.equal(tokens.length, 1);
  const claims = jose.decodeJwt(tokens[0]!);
  assert.equal(claims.sub, "alice");
  assert.equal(claims.aud, "growth-chart-app-123");
  assert.equal(claims.iss, "https://my-ehr.org/fhir");
  assert.equal(claims.fhirUser, "https://my-ehr.org/fhir/Practitioner/123");
  const out = allText(idToken);
  assert.match(out, /-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+-----END PUBLIC KEY-----/);
  assert.match(out, /signature: RS384, verified with kid /);
  assert.match(out, /rejected: ERR_JWT_CLAIM_VALIDATION_FAILED \(claim "aud"\)/);
  assert.match(out, /rejected: ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
  assert.match(out, /rejected: ERR_JWT_EXPIRED/);
});

test("the backend services page gets a token and shows each refusal", TIMEOUT, async (t) => {
  const env = await tslabKernelEnv(t);
  if (!env) return;
  const { backend } = await projectRuns(env);
  const tokens = await checkCommon(backend, NOTEBOOKS.backend, join(root, "keys"));
  assert.ok(tokens.length >= 1, "the client assertion is shown");
  const out = allText(backend);
  assert.match(out, /curl -X POST 'https:\/\/ehr\.example\.com\/auth\/token'/);
  assert.match(out, /-d 'grant_type=client_credentials'/);
  assert.match(out, /HTTP\/1\.1 200 OK\n\{\n  "access_token": "[\w-]+",\n  "token_type": "Bearer",\n  "expires_in": 300,/);
  const refusals = [...out.matchAll(/HTTP\/1\.1 (\d+) [^\n]*\n(\{[\s\S]*?\n\})/g)]
    .map((m) => ({ status: Number(m[1]), body: JSON.parse(m[2]!) as { error?: string; error_description?: string } }))
    .filter((r) => r.status !== 200);
  const described = (pattern: RegExp) =>
    refusals.find((r) => r.status === 401 && r.body.error === "invalid_client" && pattern.test(r.body.error_description ?? ""));
  assert.ok(described(/already been used/), "replayed jti refused");
  assert.ok(described(/expired/), "expired assertion refused");
  assert.ok(described(/aud must be/), "wrong audience refused");
  assert.ok(described(/kid "retired-key-2023"/), "unknown kid refused");
  assert.ok(refusals.some((r) => r.status === 400 && r.body.error === "invalid_scope"), "scope refused");
  assert.doesNotMatch(out, /127\.0\.0\.1:\d/, "the loopback port is never printed");
});

test("outputs are the same on every run, except ES384 signatures", TIMEOUT, async (t) => {
  const env = await tslabKernelEnv(t);
  if (!env) return;
  const r = await projectRuns(env);
  assert.deepEqual(stableOutputs(r.jwksAgain), stableOutputs(r.jwks), NOTEBOOKS.jwks);
  assert.deepEqual(stableOutputs(r.idTokenAgain), stableOutputs(r.idToken), NOTEBOOKS.idToken);
  assert.deepEqual(stableOutputs(r.backendAgain), stableOutputs(r.backend), NOTEBOOKS.backend);
});
