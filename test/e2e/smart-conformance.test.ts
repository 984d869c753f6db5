// The SMART server (notebooks/lib/server.ts) as real client libraries judge it, each with its
// defaults: panva's openid-client 6 (npm) and Debian's python3-authlib, plus raw HTTP probes for
// the headers and error shapes the specification and RFC 6749/6750 require. One case per rule.
//
// The server under test has no public name here: its issuer is its loopback address,
// http://127.0.0.1:<port>, so the libraries reach it as they would any server. Plain http is the
// one transport concession: openid-client takes its documented allowInsecureRequests, authlib its
// AUTHLIB_INSECURE_TRANSPORT (tests bind to loopback only, without TLS).
//
// Settings changed from a library's default, each because SMART requires another value:
// - openid-client's private_key_jwt assertion: typ "JWT" (it sets none) and aud = the token
//   endpoint (it uses the issuer); its exp, 60 s ahead, is within SMART's 5 minutes already.
// - openid-client's client authentication for a client with a secret: HTTP Basic (SMART's
//   client-confidential-symmetric), where it defaults to client_secret_post.
// - authlib's private_key_jwt: alg ES384/RS384 (it defaults to RS256, which SMART does not allow
//   for assertions) and exp 5 minutes ahead (it uses an hour); typ and aud are right by default.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as jose from "jose";
import * as client from "openid-client";
import {
  APP_ORIGIN,
  CLIENTS,
  PATIENT,
  REDIRECT_URI,
  SCOPE,
  SECRET,
  form,
  hasAuthlib,
  privateJwk,
  rawAuthorize,
  rawLaunch,
  redirectParams,
  registrations,
  runAuthlib,
  serveJwks,
  startLoopbackServer,
} from "../support/conformance.js";
import { prerequisite } from "../support/require.js";
import type { SmartServer } from "../support/smart-server.js";

let server: SmartServer;
/** Another server with the same keys and clients, at another issuer. */
let other: SmartServer;
let jwksHost: Awaited<ReturnType<typeof serveJwks>>;

before(async () => {
  const rs384 = privateJwk("RS384.private.json");
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...rs384Public } = rs384;
  jwksHost = await serveJwks({ keys: [rs384Public] });
  server = await startLoopbackServer(registrations(jwksHost.url));
  other = await startLoopbackServer(registrations(jwksHost.url));
});
after(async () => {
  await Promise.all([server.close(), other.close(), jwksHost.close()]);
});

// Plain http on loopback: openid-client's documented option for it (transport only).
const insecure = { execute: [client.allowInsecureRequests] };

const discover = (clientId: string, auth?: client.ClientAuth, metadata?: Partial<client.ClientMetadata>) =>
  client.discovery(new URL(server.issuer), clientId, metadata, auth, insecure);

/** openid-client's assertion for SMART: typ JWT and aud = the token endpoint (see the header comment). */
const smartAssertion = (tokenUrl: string) => ({
  [client.modifyAssertion]: (header: Record<string, unknown>, payload: Record<string, unknown>) => {
    header.typ = "JWT";
    payload.aud = tokenUrl;
  },
});

async function signingKey(file: string, alg: "ES384" | "RS384"): Promise<client.PrivateKey> {
  const jwk = privateJwk(file);
  return { key: (await jose.importJWK(jwk, alg)) as CryptoKey, kid: jwk.kid! };
}

/** A standalone launch with openid-client: PKCE, state and nonce, the redirect read as the browser would. */
async function oidcLaunch(config: client.Configuration, scope = SCOPE) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    aud: server.fhirBase,
  });
  // The user's approval is simulated by the server: authorize redirects back at once.
  const reply = await fetch(url, { redirect: "manual" });
  assert.equal(reply.status, 302);
  const tokens = await client.authorizationCodeGrant(config, new URL(reply.headers.get("location")!), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
  });
  return { tokens, nonce };
}

const readPatient = (config: client.Configuration, accessToken: string) =>
  client.fetchProtectedResource(config, accessToken, new URL(`${server.fhirBase}/Patient/${PATIENT}`), "GET");

describe("discovery", () => {
  test("openid-client discovers the server from its issuer: /.well-known/openid-configuration", async () => {
    const config = await discover(CLIENTS.public, client.None());
    assert.equal(config.serverMetadata().issuer, server.issuer);
    assert.equal(config.serverMetadata().jwks_uri, server.jwksUrl);
  });

  test("openid-client reads {fhirBase}/.well-known/smart-configuration, the same document", async () => {
    const config = await client.discovery(new URL(`${server.fhirBase}/.well-known/smart-configuration`), CLIENTS.public, undefined, client.None(), insecure);
    const oidc = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
    assert.deepEqual({ ...config.serverMetadata() }, oidc);
  });

  test("the discovery document lists RS256 for ID tokens and advertises no launch scope", async () => {
    const meta = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
    assert.ok(meta.id_token_signing_alg_values_supported!.includes("RS256"));
    assert.ok(!meta.scopes_supported!.includes("launch"));
    assert.ok(meta.capabilities!.includes("sso-openid-connect"));
  });

  test("jwks_uri is served and holds the RS256 ID-token key", async () => {
    const jwks = (await (await fetch(server.jwksUrl)).json()) as { keys: jose.JWK[] };
    assert.ok(jwks.keys.some((k) => k.alg === "RS256" && k.kty === "RSA"));
    assert.ok(jwks.keys.every((k) => k.d === undefined), "public keys only");
  });
});

describe("openid-client 6, with its defaults", () => {
  test("a public client's standalone launch: PKCE, state, nonce, an RS256 ID token, a FHIR read", async () => {
    const config = await discover(CLIENTS.public, client.None());
    const { tokens, nonce } = await oidcLaunch(config);
    assert.equal(jose.decodeProtectedHeader(tokens.id_token!).alg, "RS256");
    assert.equal(tokens.claims()?.nonce, nonce);
    assert.equal(tokens.patient, PATIENT);
    assert.equal((await readPatient(config, tokens.access_token)).status, 200);
  });

  test("a public client refreshes its access token", async () => {
    const config = await discover(CLIENTS.public, client.None());
    const { tokens } = await oidcLaunch(config);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal((await readPatient(config, refreshed.access_token)).status, 200);
  });

  test("a confidential-symmetric client (HTTP Basic, a secret with a space) launches and refreshes", async () => {
    // HTTP Basic, as SMART's client-confidential-symmetric requires (openid-client's default is client_secret_post).
    const config = await discover(CLIENTS.symmetric, client.ClientSecretBasic(SECRET));
    const { tokens } = await oidcLaunch(config);
    assert.equal((await readPatient(config, tokens.access_token)).status, 200);
    assert.ok((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token);
  });

  test("a confidential-asymmetric client (ES384 assertion) launches and refreshes", async () => {
    const auth = client.PrivateKeyJwt(await signingKey("ES384.private.json", "ES384"), smartAssertion(server.tokenUrl));
    const config = await discover(CLIENTS.asymmetric, auth);
    const { tokens } = await oidcLaunch(config);
    assert.equal((await readPatient(config, tokens.access_token)).status, 200);
    assert.ok((await client.refreshTokenGrant(config, tokens.refresh_token!)).access_token);
  });

  test("a client registered by JWK Set URL (RS384 assertion) launches; the server fetched its keys there", async () => {
    const before = jwksHost.requests();
    const auth = client.PrivateKeyJwt(await signingKey("RS384.private.json", "RS384"), smartAssertion(server.tokenUrl));
    const config = await discover(CLIENTS.jwksUrl, auth);
    const { tokens } = await oidcLaunch(config);
    assert.equal((await readPatient(config, tokens.access_token)).status, 200);
    assert.ok(jwksHost.requests() > before, "the JWK Set URL was read");
  });

  test("a confidential client introspects a token with its own credentials", async () => {
    const publicConfig = await discover(CLIENTS.public, client.None());
    const { tokens } = await oidcLaunch(publicConfig);
    const symmetric = await discover(CLIENTS.symmetric, client.ClientSecretBasic(SECRET));
    const bySecret = await client.tokenIntrospection(symmetric, tokens.access_token);
    assert.equal(bySecret.active, true);
    assert.equal(bySecret.client_id, CLIENTS.public);
    const asymmetric = await discover(CLIENTS.asymmetric, client.PrivateKeyJwt(await signingKey("ES384.private.json", "ES384"), smartAssertion(server.tokenUrl)));
    assert.equal((await client.tokenIntrospection(asymmetric, tokens.access_token)).active, true);
  });

  test("the ID token validates through the issuer's jwks_uri (jose's remote key set, its defaults)", async () => {
    const config = await discover(CLIENTS.public, client.None());
    const { tokens } = await oidcLaunch(config);
    const keys = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jose.jwtVerify(tokens.id_token!, keys, { issuer: server.issuer, audience: CLIENTS.public });
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload.fhirUser, `${server.fhirBase}/Practitioner/123`);
  });

  test("openid without fhirUser still yields an ID token", async () => {
    const config = await discover(CLIENTS.public, client.None());
    const { tokens } = await oidcLaunch(config, "openid launch/patient patient/*.rs");
    assert.ok(tokens.id_token);
    assert.equal(tokens.claims()?.fhirUser, undefined);
  });

  test("a server started with its RS384 key only signs RS256 ID tokens with it, published without alg", async () => {
    const oneKey = await startLoopbackServer(registrations(jwksHost.url), true);
    try {
      const config = await client.discovery(new URL(oneKey.issuer), CLIENTS.public, undefined, client.None(), insecure);
      const verifier = client.randomPKCECodeVerifier();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state: "one-key",
        aud: oneKey.fhirBase,
      });
      const location = (await fetch(url, { redirect: "manual" })).headers.get("location")!;
      const tokens = await client.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: verifier, expectedState: "one-key" });
      const keys = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
      const { protectedHeader } = await jose.jwtVerify(tokens.id_token!, keys, { issuer: oneKey.issuer, audience: CLIENTS.public });
      assert.equal(protectedHeader.alg, "RS256");
      const jwks = (await (await fetch(oneKey.jwksUrl)).json()) as { keys: jose.JWK[] };
      assert.deepEqual(jwks.keys.map((k) => k.alg), [undefined]);
    } finally {
      await oneKey.close();
    }
  });

  test("a client registered for RS384 ID tokens gets RS384 ones", async () => {
    const config = await discover(CLIENTS.rs384IdTokens, client.None(), { id_token_signed_response_alg: "RS384" });
    const { tokens } = await oidcLaunch(config);
    assert.equal(jose.decodeProtectedHeader(tokens.id_token!).alg, "RS384");
  });
});

describe("authlib (python3-authlib), with its defaults", () => {
  const app = (extra: Record<string, unknown>) =>
    runAuthlib({ issuer: server.issuer, aud: server.fhirBase, redirect_uri: REDIRECT_URI, scope: SCOPE, ...extra });

  test("a public client launches, validates its ID token through jwks_uri and refreshes", async (t) => {
    if (!prerequisite(t, hasAuthlib(), "python3-authlib is not installed (apt-get install python3-authlib)")) return;
    const out = await app({ client_id: CLIENTS.public, auth: "none", refresh: true });
    assert.equal((out.id_claims as Record<string, unknown>).aud, CLIENTS.public);
    assert.equal((out.id_claims as Record<string, unknown>).nonce, "n-0S6_WzA2Mj");
    assert.equal(out.fhir_status, 200);
    assert.ok((out.refreshed as Record<string, unknown>).access_token);
  });

  test("a confidential-symmetric client launches and introspects with its own credentials", async (t) => {
    if (!prerequisite(t, hasAuthlib(), "python3-authlib is not installed (apt-get install python3-authlib)")) return;
    const out = await app({ client_id: CLIENTS.symmetric, auth: "client_secret_basic", client_secret: SECRET, introspect: true, refresh: true });
    assert.equal(out.fhir_status, 200);
    assert.deepEqual((out.introspection as { status: number }).status, 200);
    assert.equal((out.introspection as { body: { active: boolean } }).body.active, true);
    assert.ok((out.refreshed as Record<string, unknown>).access_token);
  });

  test("a confidential-asymmetric client (private_key_jwt, ES384) launches and refreshes", async (t) => {
    if (!prerequisite(t, hasAuthlib(), "python3-authlib is not installed (apt-get install python3-authlib)")) return;
    const out = await app({ client_id: CLIENTS.asymmetric, auth: "private_key_jwt", private_jwk: privateJwk("ES384.private.json"), refresh: true });
    assert.equal(out.fhir_status, 200);
    assert.ok((out.refreshed as Record<string, unknown>).access_token);
  });

  test("a client registered by JWK Set URL (private_key_jwt, RS384) launches", async (t) => {
    if (!prerequisite(t, hasAuthlib(), "python3-authlib is not installed (apt-get install python3-authlib)")) return;
    const out = await app({ client_id: CLIENTS.jwksUrl, auth: "private_key_jwt", private_jwk: privateJwk("RS384.private.json") });
    assert.equal(out.fhir_status, 200);
  });
});

const errorOf = async (response: Response) => (await response.json()) as { error?: string; error_description?: string };
const tokenRequest = (fields: [string, string][], headers: Record<string, string> = {}) => {
  const init = form(fields);
  return fetch(server.tokenUrl, { ...init, headers: { ...(init.headers as Record<string, string>), ...headers } });
};
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

describe("raw HTTP: the headers the specification requires", () => {
  test("token responses carry Cache-Control: no-store and Pragma: no-cache, on code exchange and refresh", async () => {
    const exchanged = await rawLaunch(server);
    assert.equal(exchanged.status, 200);
    const { refresh_token } = (await exchanged.json()) as { refresh_token: string };
    const refreshed = await tokenRequest([["grant_type", "refresh_token"], ["refresh_token", refresh_token], ["client_id", CLIENTS.public]]);
    assert.equal(refreshed.status, 200);
    for (const reply of [exchanged, refreshed]) {
      assert.equal(reply.headers.get("cache-control"), "no-store");
      assert.equal(reply.headers.get("pragma"), "no-cache");
    }
  });

  test("authorize takes POST as well as GET", async () => {
    const reply = await fetch(server.authorizeUrl, {
      ...form([
        ["response_type", "code"],
        ["client_id", CLIENTS.public],
        ["scope", SCOPE],
        ["redirect_uri", REDIRECT_URI],
        ["aud", server.fhirBase],
        ["state", "post-1"],
        ["code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"],
        ["code_challenge_method", "S256"],
      ]),
      redirect: "manual",
    });
    assert.equal(reply.status, 302);
    assert.ok(redirectParams(reply).get("code"));
    assert.equal(redirectParams(reply).get("state"), "post-1");
  });

  test("CORS: discovery and keys are readable from any origin", async () => {
    for (const url of [`${server.fhirBase}/.well-known/smart-configuration`, `${server.issuer}/.well-known/openid-configuration`, server.jwksUrl]) {
      const reply = await fetch(url, { headers: { Origin: "https://anywhere.example.org" } });
      assert.equal(reply.headers.get("access-control-allow-origin"), "*", url);
    }
  });

  test("CORS: a preflight from a registered origin to the token endpoint is allowed", async () => {
    const reply = await fetch(server.tokenUrl, {
      method: "OPTIONS",
      headers: { Origin: APP_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type" },
    });
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get("access-control-allow-origin"), APP_ORIGIN);
    assert.match(reply.headers.get("access-control-allow-methods") ?? "", /POST/);
    assert.match(reply.headers.get("access-control-allow-headers") ?? "", /Authorization/);
  });

  test("CORS: the FHIR API answers a registered origin, and no other", async () => {
    const token = ((await (await rawLaunch(server)).json()) as { access_token: string }).access_token;
    const read = (origin: string) => fetch(`${server.fhirBase}/Patient/${PATIENT}`, { headers: { Origin: origin, Authorization: `Bearer ${token}` } });
    const registered = await read(APP_ORIGIN);
    assert.equal(registered.headers.get("access-control-allow-origin"), APP_ORIGIN);
    assert.match(registered.headers.get("access-control-expose-headers") ?? "", /WWW-Authenticate/);
    assert.equal((await read("https://evil.example.net")).headers.get("access-control-allow-origin"), null);
  });

  test("a 401 invalid_client after HTTP Basic carries WWW-Authenticate: Basic", async () => {
    const reply = await tokenRequest([["grant_type", "authorization_code"], ["code", "x"], ["redirect_uri", REDIRECT_URI], ["code_verifier", "v".repeat(43)]], {
      Authorization: basic(CLIENTS.symmetric, "wrong"),
    });
    assert.equal(reply.status, 401);
    assert.match(reply.headers.get("www-authenticate") ?? "", /^Basic realm=/);
    assert.equal((await errorOf(reply)).error, "invalid_client");
  });

  test("a 401 invalid_client without HTTP Basic (a bad assertion) carries WWW-Authenticate too", async () => {
    const reply = await tokenRequest([
      ["grant_type", "authorization_code"],
      ["code", "x"],
      ["client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"],
      ["client_assertion", "not-a-jwt"],
      ["client_id", CLIENTS.asymmetric],
    ]);
    assert.equal(reply.status, 401);
    assert.ok(reply.headers.get("www-authenticate"));
  });

  test("Basic credentials are form-decoded (RFC 6749 §2.3.1): a space sent as '+'", async () => {
    const reply = await tokenRequest([["grant_type", "refresh_token"], ["refresh_token", "x"]], {
      Authorization: basic(CLIENTS.symmetric, new URLSearchParams([["s", SECRET]]).toString().slice(2)),
    });
    // Authenticated: the refresh token is what is refused, not the client.
    assert.equal(reply.status, 400);
    assert.equal((await errorOf(reply)).error, "invalid_grant");
  });
});

describe("raw HTTP: refusals, with the right status, error code and headers", () => {
  test("a token of another server with the same key is refused wherever tokens are accepted", async () => {
    const foreign = (await (await rawLaunch(other)).json()) as { access_token: string; refresh_token: string };
    const fhir = await fetch(`${server.fhirBase}/Patient/${PATIENT}`, { headers: { Authorization: `Bearer ${foreign.access_token}` } });
    assert.equal(fhir.status, 401);
    assert.match(fhir.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    const own = ((await (await rawLaunch(server)).json()) as { access_token: string }).access_token;
    const introspected = await fetch(server.introspectionUrl, {
      ...form([["token", foreign.access_token]]),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Bearer ${own}` },
    });
    assert.deepEqual(await introspected.json(), { active: false });
    const asBearer = await fetch(server.introspectionUrl, {
      ...form([["token", own]]),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Bearer ${foreign.access_token}` },
    });
    assert.equal(asBearer.status, 401);
    assert.match(asBearer.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    const refreshed = await tokenRequest([["grant_type", "refresh_token"], ["refresh_token", foreign.refresh_token], ["client_id", CLIENTS.public]]);
    assert.equal(refreshed.status, 400);
    assert.equal((await errorOf(refreshed)).error, "invalid_grant");
  });

  test("an access token for this FHIR base but from another issuer with the same key is refused", async () => {
    // What a second authorization server sharing the key file would issue for this FHIR server.
    const jwk = privateJwk("server-RS384.private.json");
    const now = server.now();
    const forged = await new jose.SignJWT({ client_id: CLIENTS.public, scope: SCOPE, patient: PATIENT, use: "access", jti: "other-1" })
      .setProtectedHeader({ alg: "RS384", kid: jwk.kid!, typ: "at+jwt" })
      .setIssuer("https://other-ehr.example.com")
      .setAudience(server.fhirBase)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(await jose.importJWK(jwk, "RS384"));
    const fhir = await fetch(`${server.fhirBase}/Patient/${PATIENT}`, { headers: { Authorization: `Bearer ${forged}` } });
    assert.equal(fhir.status, 401);
    assert.match(fhir.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  });

  test("a missing response_type is invalid_request, another one unsupported_response_type", async () => {
    assert.equal(redirectParams(await rawAuthorize(server, { response_type: undefined })).get("error"), "invalid_request");
    assert.equal(redirectParams(await rawAuthorize(server, { response_type: "token" })).get("error"), "unsupported_response_type");
  });

  test("a missing grant_type is invalid_request, another one unsupported_grant_type", async () => {
    const missing = await tokenRequest([["client_id", CLIENTS.public]]);
    assert.equal(missing.status, 400);
    assert.equal((await errorOf(missing)).error, "invalid_request");
    const unknown = await tokenRequest([["grant_type", "password"], ["client_id", CLIENTS.public]]);
    assert.equal(unknown.status, 400);
    assert.equal((await errorOf(unknown)).error, "unsupported_grant_type");
  });

  test("a repeated redirect_uri at authorize is refused without a redirect", async () => {
    const url = new URL(server.authorizeUrl);
    const params = new URLSearchParams([
      ["response_type", "code"],
      ["client_id", CLIENTS.public],
      ["redirect_uri", REDIRECT_URI],
      ["redirect_uri", REDIRECT_URI],
      ["scope", SCOPE],
      ["state", "dup"],
    ]);
    url.search = params.toString();
    const reply = await fetch(url, { redirect: "manual" });
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.get("location"), null);
    assert.equal((await errorOf(reply)).error, "invalid_request");
  });

  test("a repeated parameter at the token endpoint is invalid_request", async () => {
    const reply = await tokenRequest([["grant_type", "refresh_token"], ["grant_type", "refresh_token"], ["client_id", CLIENTS.public]]);
    assert.equal(reply.status, 400);
    assert.equal((await errorOf(reply)).error, "invalid_request");
  });

  test("an authorize request without state is refused with no empty state= in the redirect", async () => {
    const params = redirectParams(await rawAuthorize(server, { state: undefined }));
    assert.equal(params.get("error"), "invalid_request");
    assert.equal(params.has("state"), false);
  });

  test("introspection without credentials: 401 with a Bearer challenge and no error code", async () => {
    const reply = await fetch(server.introspectionUrl, form([["token", "x"]]));
    assert.equal(reply.status, 401);
    const challenge = reply.headers.get("www-authenticate") ?? "";
    assert.match(challenge, /^Bearer realm=/);
    assert.doesNotMatch(challenge, /error=/);
  });

  test("the FHIR endpoint without a token: 401 with a Bearer challenge and no error code", async () => {
    const reply = await fetch(`${server.fhirBase}/Patient/${PATIENT}`);
    assert.equal(reply.status, 401);
    assert.match(reply.headers.get("www-authenticate") ?? "", /^Bearer realm=/);
    assert.doesNotMatch(reply.headers.get("www-authenticate") ?? "", /error=/);
  });

  test("an expired access token at the FHIR endpoint: 401 with error=\"invalid_token\"", async () => {
    const token = ((await (await rawLaunch(server)).json()) as { access_token: string }).access_token;
    server.advance(3601);
    try {
      const reply = await fetch(`${server.fhirBase}/Patient/${PATIENT}`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(reply.status, 401);
      assert.match(reply.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    } finally {
      server.advance(-3601);
    }
  });

  test("launch is not granted: there is no EHR launch", async () => {
    const reply = await rawLaunch(server, `launch ${SCOPE}`);
    const { scope } = (await reply.json()) as { scope: string };
    assert.ok(!scope.split(" ").includes("launch"), scope);
    assert.ok(scope.split(" ").includes("launch/patient"));
  });

  test("the nonce of the authorization request is echoed in the ID token", async () => {
    const verifier = "n".repeat(43);
    const code = redirectParams(await rawAuthorize(server, { nonce: "raw-nonce-1" }, verifier)).get("code")!;
    const reply = await tokenRequest([["grant_type", "authorization_code"], ["code", code], ["redirect_uri", REDIRECT_URI], ["code_verifier", verifier], ["client_id", CLIENTS.public]]);
    const { id_token } = (await reply.json()) as { id_token: string };
    assert.equal(jose.decodeJwt(id_token).nonce, "raw-nonce-1");
  });
});
