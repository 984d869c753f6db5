// What the SMART conformance suite shares: the server under test on its own loopback address
// (its issuer is http://127.0.0.1:<port>, so real client libraries reach it as they would any
// server), a second server with the same keys but another issuer, a local host for a client's JWK
// Set URL, and the authlib app in Python.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import { join } from "node:path";
import * as jose from "jose";
import { projectRoot } from "./project-copy.js";
import { commandWorks } from "./require.js";
import { serverModule, type ClientRegistration, type SmartServer } from "./smart-server.js";

export const keysDir = join(projectRoot, "keys");
export const REDIRECT_URI = "https://app.example.com/callback";
export const APP_ORIGIN = "https://app.example.com";
export const PATIENT = "87a339d0-8cae-418e-89c7-8651e6aab3c6";
/** A secret with a space: RFC 6749 §2.3.1 form-encodes it before HTTP Basic. */
export const SECRET = "s3cret with space";
export const SCOPE = "launch/patient openid fhirUser patient/*.rs offline_access";

type PrivateJwk = jose.JWK & { key_ops?: string[] };
const readSet = (file: string) => JSON.parse(readFileSync(join(keysDir, file), "utf8")) as { keys: PrivateJwk[] };
/** The private entry of a key file in keys/ (key_ops "sign"). */
export const privateJwk = (file: string): PrivateJwk => readSet(file).keys.find((k) => k.key_ops?.includes("sign"))!;
/** The public entry of a key file in keys/. */
export const publicJwk = (file: string): PrivateJwk => readSet(file).keys.find((k) => k.key_ops?.includes("verify"))!;

/** A local HTTP server that publishes a JWK Set, as a client's JWK Set URL. */
export async function serveJwks(jwks: { keys: object[] }): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = http.createServer((_req, res) => {
    count++;
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export const CLIENTS = {
  public: "public_app",
  symmetric: "symmetric_app",
  asymmetric: "asymmetric_app",
  jwksUrl: "jwks_url_app",
  rs384IdTokens: "rs384_id_token_app",
} as const;

const SCOPES = ["launch/patient", "openid", "fhirUser", "patient/*.rs", "patient/Patient.rs", "offline_access"];

export function registrations(jwksUrl: string): ClientRegistration[] {
  const base = { redirectUris: [REDIRECT_URI], scopes: SCOPES };
  return [
    { ...base, clientId: CLIENTS.public, authentication: { method: "none" } },
    { ...base, clientId: CLIENTS.symmetric, authentication: { method: "client_secret_basic", secret: SECRET } },
    { ...base, clientId: CLIENTS.asymmetric, authentication: { method: "private_key_jwt", jwks: { keys: [publicJwk("ES384.private.json")] } } },
    { ...base, clientId: CLIENTS.jwksUrl, authentication: { method: "private_key_jwt", jwksUrl } },
    { ...base, clientId: CLIENTS.rs384IdTokens, authentication: { method: "none" }, idTokenSigningAlg: "RS384" },
  ];
}

/**
 * A server on its loopback address, on the real clock (the libraries check exp and iat against
 * it); with `oneKey`, started as before ID tokens had a key of their own (no idTokenKeyFile).
 */
export async function startLoopbackServer(clients: ClientRegistration[], oneKey = false): Promise<SmartServer> {
  const { startSmartServer } = await serverModule();
  return startSmartServer({
    serverKeyFile: join(keysDir, "server-RS384.private.json"),
    ...(oneKey ? {} : { idTokenKeyFile: join(keysDir, "server-RS256.private.json") }),
    clients,
    startTime: Math.floor(Date.now() / 1000),
    systemClock: true,
    patient: PATIENT,
    fhirUser: "Practitioner/123",
  });
}

export const hasAuthlib = (): boolean => commandWorks("/usr/bin/python3", ["-c", "import authlib.integrations.requests_client, requests"]);

/** Runs the authlib app (test/support/authlib-client.py) with these arguments; its JSON answer. */
export function runAuthlib(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", [join(projectRoot, "test", "support", "authlib-client.py"), JSON.stringify(args)], {
      // The server is plain http on loopback; authlib's documented switch for that (transport only).
      env: { ...process.env, AUTHLIB_INSECURE_TRANSPORT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      let answer: Record<string, unknown>;
      try {
        answer = JSON.parse(out) as Record<string, unknown>;
      } catch {
        reject(new Error(`authlib app exited ${String(code)}: ${out}${err}`));
        return;
      }
      if (code !== 0) reject(new Error(`authlib app failed: ${String(answer.error)}\n${err}`));
      else resolve(answer);
    });
  });
}

/** Form-encoded body and its Content-Type, for a raw request. */
export const form = (fields: [string, string][]): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

/** The query of a redirect's Location. */
export function redirectParams(response: Response): URLSearchParams {
  const location = response.headers.get("location");
  if (location === null) throw new Error(`HTTP ${response.status}: no Location`);
  return new URL(location).searchParams;
}

const s256 = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url");

/** Authorize by raw GET with a PKCE pair; the parameters given replace or (undefined) drop the defaults. */
export async function rawAuthorize(
  server: SmartServer,
  params: Record<string, string | undefined> = {},
  verifier = "v".repeat(43),
): Promise<Response> {
  const url = new URL(server.authorizeUrl);
  const all: Record<string, string | undefined> = {
    response_type: "code",
    client_id: CLIENTS.public,
    scope: SCOPE,
    redirect_uri: REDIRECT_URI,
    aud: server.fhirBase,
    state: "st-1",
    code_challenge: s256(verifier),
    code_challenge_method: "S256",
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.append(name, value);
  return fetch(url, { redirect: "manual" });
}

/** Authorize as the public client and exchange the code by raw requests; the token response. */
export async function rawLaunch(server: SmartServer, scope = SCOPE): Promise<Response> {
  const verifier = "w".repeat(43);
  const code = redirectParams(await rawAuthorize(server, { scope }, verifier)).get("code");
  if (code === null) throw new Error("authorize gave no code");
  return fetch(
    server.tokenUrl,
    form([["grant_type", "authorization_code"], ["code", code], ["redirect_uri", REDIRECT_URI], ["code_verifier", verifier], ["client_id", CLIENTS.public]]),
  );
}
