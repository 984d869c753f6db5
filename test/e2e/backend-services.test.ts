// The SMART server's client_credentials grant (notebooks/lib/backend-services.ts), over real HTTP:
// the spec's backend client signs an ES384 assertion with its published key, gets a system token
// that verifies with the server's key, and reads FHIR data with it; what it may not ask for is refused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import * as jose from "jose";
import { projectRoot } from "../support/project-copy.js";
import { clientModule, serverModule, type HttpRequest, type HttpResponse, type SmartServer } from "../support/smart-server.js";

const START = 1633532014; // the moment of the spec's example
const CLIENT_ID = "demo_app_whatever";
const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const keysDir = join(projectRoot, "keys");
const readSet = (file: string) => JSON.parse(readFileSync(join(keysDir, file), "utf8")) as { keys: (jose.JWK & { key_ops?: string[] })[] };
const clientKey = readSet("spec/app-launch-ES384.private.json").keys.find((k) => k.key_ops?.includes("sign"))!;
const serverKeys = jose.createLocalJWKSet(readSet("server-RS384.public.json") as jose.JSONWebKeySet);

let server: SmartServer;
let send: (request: HttpRequest) => Promise<HttpResponse>;
let jtis = 0;

async function assertion(claims: Partial<jose.JWTPayload> = {}): Promise<string> {
  return new jose.SignJWT({ iss: CLIENT_ID, sub: CLIENT_ID, aud: server.tokenUrl, jti: `jti-${++jtis}`, exp: START + 120, ...claims })
    .setProtectedHeader({ typ: "JWT", kid: clientKey.kid!, alg: "ES384" })
    .sign(await jose.importJWK(clientKey, "ES384"));
}

const tokenRequest = (scope: string, signed: string, grantType = "client_credentials"): HttpRequest => ({
  method: "POST",
  url: server.tokenUrl,
  form: new URLSearchParams([
    ["grant_type", grantType],
    ["scope", scope],
    ["client_assertion_type", ASSERTION_TYPE],
    ["client_assertion", signed],
  ]),
});

const body = (response: HttpResponse) => response.body as Record<string, unknown>;

before(async () => {
  const { startSmartServer } = await serverModule();
  const client = await clientModule();
  server = await startSmartServer({
    publicBase: "https://ehr.example.com",
    serverKeyFile: join(keysDir, "server-RS384.private.json"),
    clients: [
      {
        clientId: CLIENT_ID,
        redirectUris: [],
        scopes: ["system/*.rs"],
        authentication: { method: "private_key_jwt", jwks: readSet("spec/app-launch-ES384.public.json") },
      },
      { clientId: "public_app", redirectUris: [], scopes: ["system/*.rs"], authentication: { method: "none" } },
    ],
    startTime: START,
    patient: "87a339d0-8cae-418e-89c7-8651e6aab3c6",
    fhirUser: "Practitioner/123",
  });
  send = (request) => client.send(server, request);
});
after(() => server.close());

describe("backend services on the SMART server", () => {
  test("discovery lists the client_credentials grant and the system scope", async () => {
    const config = body(await send({ method: "GET", url: `${server.fhirBase}/.well-known/smart-configuration` }));
    assert.ok((config.grant_types_supported as string[]).includes("client_credentials"));
    assert.ok((config.scopes_supported as string[]).includes("system/*.rs"));
  });

  test("a signed assertion gets a system token that verifies with the server's key and reads FHIR across patients", async () => {
    const reply = await send(tokenRequest("system/*.rs", await assertion()));
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(Object.keys(body(reply)), ["access_token", "token_type", "expires_in", "scope"]);
    assert.equal(body(reply).scope, "system/*.rs");
    const { payload, protectedHeader } = await jose.jwtVerify(String(body(reply).access_token), serverKeys, {
      issuer: "https://ehr.example.com",
      audience: server.fhirBase,
      currentDate: new Date(START * 1000),
    });
    assert.equal(protectedHeader.alg, "RS384");
    assert.equal(payload.client_id, CLIENT_ID);
    assert.equal(payload.exp, START + 3600);
    assert.equal(payload.patient, undefined, "a system token has no patient context");

    const bearer = { Authorization: `Bearer ${String(body(reply).access_token)}` };
    const search = await send({ method: "GET", url: `${server.fhirBase}/Observation?code=4548-4&_sort=-date&_count=2`, headers: bearer });
    assert.equal(search.status, 200, JSON.stringify(search.body));
    const bundle = body(search) as { total: number; entry: { resource: { effectiveDateTime: string } }[] };
    assert.equal(bundle.total, 3);
    assert.deepEqual(bundle.entry.map((e) => e.resource.effectiveDateTime), ["2024-12-03", "2024-08-06"]);
    const patient = await send({ method: "GET", url: `${server.fhirBase}/Patient/87a339d0-8cae-418e-89c7-8651e6aab3c6`, headers: bearer });
    assert.equal(patient.status, 200);
  });

  test("a scope outside the registration, a non-system scope, a public client and an unknown grant are refused", async () => {
    const wider = await send(tokenRequest("system/*.cruds", await assertion()));
    assert.deepEqual([wider.status, body(wider).error], [400, "invalid_scope"]);
    const patientScope = await send(tokenRequest("patient/*.rs", await assertion()));
    assert.deepEqual([patientScope.status, body(patientScope).error], [400, "invalid_scope"]);
    const publicClient = await send({
      method: "POST",
      url: server.tokenUrl,
      form: new URLSearchParams([["grant_type", "client_credentials"], ["scope", "system/*.rs"], ["client_id", "public_app"]]),
    });
    assert.deepEqual([publicClient.status, body(publicClient).error], [400, "unauthorized_client"]);
    const other = await send(tokenRequest("system/*.rs", await assertion(), "password"));
    assert.deepEqual([other.status, body(other).error], [400, "unsupported_grant_type"]);
  });

  test("the assertion's rules hold for client_credentials: a replayed jti and a wrong aud are invalid_client", async () => {
    const signed = await assertion();
    assert.equal((await send(tokenRequest("system/*.rs", signed))).status, 200);
    const replay = await send(tokenRequest("system/*.rs", signed));
    assert.deepEqual([replay.status, body(replay).error], [401, "invalid_client"]);
    assert.match(String(body(replay).error_description), /already been used/);
    const wrongAud = await send(tokenRequest("system/*.rs", await assertion({ aud: server.fhirBase })));
    assert.deepEqual([wrongAud.status, body(wrongAud).error], [401, "invalid_client"]);
  });
});
