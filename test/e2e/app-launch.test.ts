// The app-launch and introspection pages as built (the committed notebooks), checked against
// the server they ran: their tokens verify with the server key and open its FHIR endpoint, and
// each refusal they show holds. Then the server module itself, in-process, rule by rule.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import * as jose from "jose";
import { projectRoot } from "../support/project-copy.js";
import {
  clientModule,
  serverModule,
  type ClientRegistration,
  type HttpRequest,
  type HttpResponse,
  type SmartServer,
} from "../support/smart-server.js";

const EXAMPLE_TIME = 1735689600;
const PATIENT = "87a339d0-8cae-418e-89c7-8651e6aab3c6";
const CLIENT_ID = "demo_app_whatever";
const REDIRECT_URI = "https://sharp-lake-word.glitch.me/graph.html";
const SCOPES = ["launch/patient", "openid", "fhirUser", "patient/Observation.rs", "patient/Patient.rs", "offline_access"];
const SECRET = "secret-key-1234567890";
const keysDir = join(projectRoot, "keys");
const serverPublicKeys = jose.createLocalJWKSet({
  keys: ["server-RS384.public.json", "server-RS256.public.json"].flatMap(
    (file) => (JSON.parse(readFileSync(join(keysDir, file), "utf8")) as jose.JSONWebKeySet).keys,
  ),
});
const readSet = (file: string) => JSON.parse(readFileSync(join(keysDir, file), "utf8")) as { keys: (jose.JWK & { key_ops?: string[] })[] };
const signingKey = (file: string) => readSet(file).keys.find((k) => k.key_ops?.includes("sign"))!;
const appPublicKey = readSet("spec/app-launch-ES384.public.json").keys[0]!;

const text = (value: unknown): string => (Array.isArray(value) ? value.join("") : String(value ?? ""));

/** Everything a notebook's code cells printed, in order. */
function pageText(name: string): string {
  const nb = JSON.parse(readFileSync(join(projectRoot, "notebooks", `${name}.ipynb`), "utf8")) as INotebookContent;
  return nb.cells
    .filter((c): c is ICodeCell => c.cell_type === "code")
    .flatMap((c) => c.outputs.map((o) => (o.output_type === "stream" ? text(o.text) : text((o.data as Record<string, unknown> | undefined)?.["text/markdown"]))))
    .join("\n");
}

interface Shown {
  status: number;
  body: Record<string, unknown>;
}

/** Each "HTTP/1.1 <status>" a page shows, with its JSON body. */
function responses(page: string): Shown[] {
  return [...page.matchAll(/HTTP\/1\.1 (\d+)[^\n]*\n(?:[^\n]+\n)*\n(\{[\s\S]*?\n\})/g)].map((m) => ({
    status: Number(m[1]),
    body: JSON.parse(m[2]!) as Record<string, unknown>,
  }));
}

const tokenResponses = (page: string) => responses(page).filter((r) => r.status === 200 && typeof r.body.access_token === "string");

const FLOWS = {
  public: "example-app-launch-public",
  symmetric: "example-app-launch-symmetric-auth",
  asymmetric: "example-app-launch-asymmetric-auth",
} as const;

const registrations: ClientRegistration[] = [
  { clientId: CLIENT_ID, redirectUris: [REDIRECT_URI], scopes: SCOPES, authentication: { method: "none" } },
  { clientId: "confidential_app", redirectUris: [REDIRECT_URI], scopes: SCOPES, authentication: { method: "client_secret_basic", secret: SECRET } },
  { clientId: "asymmetric_app", redirectUris: [REDIRECT_URI], scopes: SCOPES, authentication: { method: "private_key_jwt", jwks: { keys: [appPublicKey] } } },
];

let server: SmartServer;
let send: (request: HttpRequest) => Promise<HttpResponse>;
let pkce: (verifier: string) => { verifier: string; challenge: string };

before(async () => {
  const { startSmartServer } = await serverModule();
  const client = await clientModule();
  server = await startSmartServer({
    publicBase: "https://ehr.example.com",
    serverKeyFile: join(keysDir, "server-RS384.private.json"),
    idTokenKeyFile: join(keysDir, "server-RS256.private.json"),
    clients: registrations,
    startTime: EXAMPLE_TIME,
    patient: PATIENT,
    fhirUser: "Practitioner/smart-Practitioner-71482713",
  });
  send = (request) => client.send(server, request);
  pkce = client.pkce;
});
after(() => server.close());

const observations = (token: string): HttpRequest => ({
  method: "GET",
  url: `${server.fhirBase}/Observation?code=4548-4&patient=${PATIENT}`,
  headers: { Authorization: `Bearer ${token}` },
});
const errorOf = (r: { body: unknown }) => (r.body as { error?: string; error_description?: string });

describe("the launch pages", () => {
  for (const [flow, name] of Object.entries(FLOWS)) {
    test(`${flow}: the token response carries every field and each of its tokens verifies with the server key`, async () => {
      const [first] = tokenResponses(pageText(name));
      assert.ok(first, "a token response is shown");
      assert.deepEqual(Object.keys(first.body).sort(), ["access_token", "expires_in", "id_token", "patient", "refresh_token", "scope", "token_type"]);
      assert.equal(first.body.token_type, "Bearer");
      assert.equal(first.body.patient, PATIENT);
      assert.equal(first.body.scope, SCOPES.join(" "));
      // ID tokens are RS256, what OpenID Connect clients expect by default; the server's own tokens RS384.
      for (const [field, alg] of [["access_token", "RS384"], ["id_token", "RS256"], ["refresh_token", "RS384"]] as const) {
        const { protectedHeader } = await jose.compactVerify(String(first.body[field]), serverPublicKeys);
        assert.equal(protectedHeader.alg, alg, field);
      }
      assert.equal(jose.decodeJwt(String(first.body.id_token)).aud, CLIENT_ID);
    });

    test(`${flow}: the page's access token and its refreshed one open the FHIR endpoint`, async () => {
      const page = pageText(name);
      const [first, refreshed] = tokenResponses(page);
      assert.ok(refreshed, "the refresh response is shown");
      assert.notEqual(refreshed.body.access_token, first!.body.access_token);
      for (const r of [first!, refreshed]) {
        const reply = await send(observations(String(r.body.access_token)));
        assert.equal(reply.status, 200);
        assert.equal((reply.body as { total: number }).total, 3);
      }
      assert.ok(responses(page).some((r) => r.status === 200 && r.body.resourceType === "Bundle"), "the page shows the Bundle");
    });
  }

  test("each page shows the refusal typical of its flow", () => {
    const refused = (name: string, status: number, error: string, description: RegExp) =>
      assert.ok(
        responses(pageText(name)).some((r) => r.status === status && r.body.error === error && description.test(String(r.body.error_description))),
        `${name}: ${status} ${error} ${description}`,
      );
    refused(FLOWS.public, 400, "invalid_grant", /code_verifier does not match/);
    refused(FLOWS.symmetric, 400, "invalid_grant", /already been used/);
    refused(FLOWS.symmetric, 401, "invalid_client", /secret is wrong/);
    refused(FLOWS.asymmetric, 401, "invalid_client", /matches no registered EC key/);
  });

  test("the asymmetric page's assertions are ES384 with the spec's example key, which it prints only in public", async () => {
    const page = pageText(FLOWS.asymmetric);
    const assertions = [...page.matchAll(/client_assertion\n(eyJ[\w-]+\.[\w-]+\.[\w-]+)/g)].map((m) => m[1]!);
    assert.ok(assertions.length >= 2);
    const { protectedHeader } = await jose.compactVerify(assertions[0]!, await jose.importJWK(appPublicKey, "ES384"));
    assert.deepEqual(Object.keys(protectedHeader), ["typ", "kid", "alg"]);
    assert.equal(protectedHeader.kid, "afb27c284f2d93959c18fa0320e32060");
    assert.ok(page.includes(String(appPublicKey.x)));
    assert.ok(!page.includes(String(signingKey("spec/app-launch-ES384.private.json").d)));
  });

  test("the introspection page shows an active token with the SMART fields, and inactive ones", () => {
    const shown = responses(pageText("example-token-introspection"));
    const active = shown.find((r) => r.body.active === true);
    assert.ok(active);
    assert.deepEqual(Object.keys(active.body).sort(), ["active", "client_id", "exp", "fhirUser", "iss", "patient", "scope", "sub"]);
    assert.equal(shown.filter((r) => r.status === 200 && JSON.stringify(r.body) === '{"active":false}').length, 2);
    // Without credentials: a challenge with no error code (RFC 6750 §3.1).
    assert.match(pageText("example-token-introspection"), /HTTP\/1\.1 401 Unauthorized\nWWW-Authenticate: Bearer realm="https:\/\/ehr\.example\.com"\n/);
  });
});

/** Authorize as the public test client and return the code the redirect carries. */
async function authorize(params: Record<string, string | undefined> = {}, verifier = "a".repeat(43)): Promise<HttpResponse & { code?: string; error?: string }> {
  const url = new URL(server.authorizeUrl);
  const all: Record<string, string | undefined> = {
    response_type: "code",
    client_id: CLIENT_ID,
    scope: SCOPES.join(" "),
    redirect_uri: REDIRECT_URI,
    aud: server.fhirBase,
    state: "s1",
    code_challenge: pkce(verifier).challenge,
    code_challenge_method: "S256",
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  const reply = await send({ method: "GET", url: url.toString() });
  const location = reply.headers.location ? new URL(reply.headers.location) : undefined;
  return { ...reply, code: location?.searchParams.get("code") ?? undefined, error: location?.searchParams.get("error") ?? undefined };
}

const exchange = (code: string, verifier: string, extra: [string, string][] = [], headers?: Record<string, string>) =>
  send({
    method: "POST",
    url: server.tokenUrl,
    ...(headers ? { headers } : {}),
    form: new URLSearchParams([["grant_type", "authorization_code"], ["code", code], ["redirect_uri", REDIRECT_URI], ["code_verifier", verifier], ...extra]),
  });

describe("the SMART server module", () => {
  test("authorize requires S256 PKCE, a state, the FHIR base as aud, and never redirects to an unregistered URI", async () => {
    assert.equal((await authorize({ code_challenge_method: "plain" })).error, "invalid_request");
    assert.equal((await authorize({ code_challenge: undefined })).error, "invalid_request");
    assert.equal((await authorize({ state: undefined })).error, "invalid_request");
    assert.equal((await authorize({ aud: "https://elsewhere.example.com/fhir" })).error, "invalid_request");
    const unregistered = await authorize({ redirect_uri: "https://attacker.example.com/cb" });
    assert.equal(unregistered.status, 400);
    assert.equal(unregistered.headers.location, undefined);
    const ok = await authorize();
    assert.equal(ok.status, 302);
    assert.ok(ok.code);
  });

  test("a code is spent by its first exchange, and needs its redirect_uri and the right verifier", async () => {
    const verifier = "b".repeat(43);
    const mismatched = await authorize({}, verifier);
    const wrongRedirect = await send({
      method: "POST",
      url: server.tokenUrl,
      form: new URLSearchParams([["grant_type", "authorization_code"], ["code", mismatched.code!], ["redirect_uri", "https://sharp-lake-word.glitch.me/other.html"], ["code_verifier", verifier], ["client_id", CLIENT_ID]]),
    });
    assert.match(errorOf(wrongRedirect).error_description ?? "", /redirect_uri differs/);
    const good = await exchange(mismatched.code!, verifier, [["client_id", CLIENT_ID]]);
    assert.equal(good.status, 200);
    const again = await exchange(mismatched.code!, verifier, [["client_id", CLIENT_ID]]);
    assert.equal(again.status, 400);
    assert.match(errorOf(again).error_description ?? "", /already been used/);
    const other = await authorize({}, "c".repeat(43));
    const wrongVerifier = await exchange(other.code!, "d".repeat(43), [["client_id", CLIENT_ID]]);
    assert.equal(errorOf(wrongVerifier).error, "invalid_grant");
  });

  test("a code issued to one client cannot be exchanged by another", async () => {
    const issued = await authorize();
    const basic = `Basic ${Buffer.from(`confidential_app:${SECRET}`).toString("base64")}`;
    const reply = await exchange(issued.code!, "a".repeat(43), [], { Authorization: basic });
    assert.match(errorOf(reply).error_description ?? "", /another client/);
  });

  test("confidential clients must authenticate: a wrong or missing secret, an unregistered key", async () => {
    const code = (await authorize({ client_id: "confidential_app" })).code!;
    const wrong = await exchange(code, "a".repeat(43), [], { Authorization: `Basic ${Buffer.from("confidential_app:nope").toString("base64")}` });
    assert.equal(wrong.status, 401);
    const missing = await exchange(code, "a".repeat(43), [["client_id", "confidential_app"]]);
    assert.equal(missing.status, 401);
    const right = await exchange(code, "a".repeat(43), [], { Authorization: `Basic ${Buffer.from(`confidential_app:${SECRET}`).toString("base64")}` });
    assert.equal(right.status, 200, "the refusals did not spend the code");

    const asymmetricCode = (await authorize({ client_id: "asymmetric_app" })).code!;
    const assertion = async (file: string, jti: string) => {
      const jwk = signingKey(file);
      return new jose.SignJWT({ iss: "asymmetric_app", sub: "asymmetric_app", aud: server.tokenUrl, jti, exp: server.now() + 120 })
        .setProtectedHeader({ typ: "JWT", kid: jwk.kid!, alg: "ES384" })
        .sign(await jose.importJWK(jwk, "ES384"));
    };
    const form = async (file: string, jti: string): Promise<[string, string][]> => [
      ["client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
      ["client_assertion", await assertion(file, jti)],
    ];
    const unregistered = await exchange(asymmetricCode, "a".repeat(43), await form("ES384.private.json", "j1"));
    assert.equal(unregistered.status, 401);
    assert.match(errorOf(unregistered).error_description ?? "", /matches no registered EC key/);
    const registered = await exchange(asymmetricCode, "a".repeat(43), await form("spec/app-launch-ES384.private.json", "j2"));
    assert.equal(registered.status, 200);
  });

  test("a refresh keeps the granted scopes and refuses wider ones", async () => {
    const narrow = await authorize({ scope: "launch/patient patient/Patient.rs offline_access" });
    const tokens = (await exchange(narrow.code!, "a".repeat(43), [["client_id", CLIENT_ID]])).body as Record<string, string>;
    assert.equal(tokens.id_token, undefined, "no ID token without openid");
    const refresh = (scope?: string) =>
      send({
        method: "POST",
        url: server.tokenUrl,
        form: new URLSearchParams([["grant_type", "refresh_token"], ["refresh_token", tokens.refresh_token!], ["client_id", CLIENT_ID], ...(scope ? [["scope", scope] as [string, string]] : [])]),
      });
    const same = await refresh();
    assert.equal(same.status, 200);
    assert.equal((same.body as { scope: string }).scope, "launch/patient patient/Patient.rs offline_access");
    const wider = await refresh("patient/Observation.rs");
    assert.equal(errorOf(wider).error, "invalid_scope");
  });

  test("FHIR answers 401 without a valid token and 403 outside the token's scopes", async () => {
    const none = await send({ method: "GET", url: `${server.fhirBase}/Patient/${PATIENT}` });
    assert.equal(none.status, 401);
    assert.equal((none.body as { resourceType: string }).resourceType, "OperationOutcome");
    const narrow = await authorize({ scope: "launch/patient patient/Patient.rs" });
    const token = String(((await exchange(narrow.code!, "a".repeat(43), [["client_id", CLIENT_ID]])).body as Record<string, unknown>).access_token);
    assert.equal((await send({ method: "GET", url: `${server.fhirBase}/Patient/${PATIENT}`, headers: { Authorization: `Bearer ${token}` } })).status, 200);
    const forbidden = await send(observations(token));
    assert.equal(forbidden.status, 403);
    assert.equal((forbidden.body as { resourceType: string }).resourceType, "OperationOutcome");
  });

  test("introspection needs a bearer token, and an expired token is inactive", async () => {
    const code = (await authorize()).code!;
    const token = String(((await exchange(code, "a".repeat(43), [["client_id", CLIENT_ID]])).body as Record<string, unknown>).access_token);
    const introspect = (bearer?: string) =>
      send({ method: "POST", url: server.introspectionUrl, ...(bearer ? { headers: { Authorization: `Bearer ${bearer}` } } : {}), form: new URLSearchParams([["token", token]]) });
    assert.equal((await introspect()).status, 401);
    const active = (await introspect(token)).body as Record<string, unknown>;
    assert.equal(active.active, true);
    assert.equal(active.client_id, CLIENT_ID);
    const started = server.now();
    server.advance(3600);
    const freshCode = (await authorize({ state: "s2" })).code!;
    const bearer = String(((await exchange(freshCode, "a".repeat(43), [["client_id", CLIENT_ID]])).body as Record<string, unknown>).access_token);
    assert.deepEqual((await introspect(bearer)).body, { active: false });
    assert.equal(server.now(), started + 3600);
  });
});
