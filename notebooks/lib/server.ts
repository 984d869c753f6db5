// A local SMART on FHIR server for the example pages: discovery (SMART's and OpenID Connect's),
// authorize, token, introspect and a minimal FHIR endpoint, on 127.0.0.1 at a port the system
// picks. It acts as a fixed public base URL (every iss, aud, redirect and discovery value names
// it), or as its own loopback address when given none; it keeps a fixed clock the page may move
// forward, and hands out ids from counters, so a page prints the same on every run.
import * as http from "node:http";
import { createAuthorizationServer, type Reply } from "./authorization";
import { withBackendServices } from "./backend-services";
import type { ClientRegistration } from "./client-auth";
import { allowedOrigin, corsHeaders, preflight, type CorsRule } from "./cors";
import { createFhirEndpoint } from "./fhir";
import { readServerKey, type ServerKey } from "./server-tokens";

export type { ClientRegistration } from "./client-auth";

export interface SmartServerOptions {
  /**
   * The public origin the server acts as, e.g. "https://ehr.example.com" (requests reach it on
   * its loopback port). Without it, the server is what it is: http://127.0.0.1:<port>.
   */
  publicBase?: string;
  /** Private JWK set file of the server's RS384 signing key (codes, access and refresh tokens). */
  serverKeyFile: string;
  /**
   * Private JWK set file of the RSA key ID tokens are signed with by RS256, the algorithm clients
   * expect by default. Without it, the server key is used for RS256 too, and its public JWK then
   * names no "alg".
   */
  idTokenKeyFile?: string;
  clients: ClientRegistration[];
  /** Seconds since the epoch at which the example happens. */
  startTime: number;
  /**
   * Follow the machine's clock instead of a fixed one (startTime is then not used), for clients
   * that check a token's times against their own clock. advance() still moves it forward.
   */
  systemClock?: boolean;
  /** The patient the simulated user picks at launch. */
  patient: string;
  /** Who the simulated user is, relative to the FHIR base (e.g. "Practitioner/123"). */
  fhirUser: string;
}

export interface SmartServer {
  /** The issuer: the public base URL, without a trailing slash. */
  readonly issuer: string;
  readonly fhirBase: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly jwksUrl: string;
  /** The loopback address requests for publicBase go to. */
  readonly port: number;
  now(): number;
  /** Moves the server's clock forward. */
  advance(seconds: number): void;
  close(): Promise<void>;
}

/**
 * The discovery document, with the fields of the specification's example, and those OpenID
 * Connect Discovery requires; served at both .well-known addresses.
 */
function discoveryDocument(base: string): Record<string, unknown> {
  return {
    issuer: base,
    jwks_uri: `${base}/.well-known/jwks.json`,
    authorization_endpoint: `${base}/auth/authorize`,
    token_endpoint: `${base}/auth/token`,
    introspection_endpoint: `${base}/auth/introspect`,
    code_challenge_methods_supported: ["S256"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    token_endpoint_auth_methods_supported: ["private_key_jwt", "client_secret_basic"],
    token_endpoint_auth_signing_alg_values_supported: ["RS384", "ES384"],
    id_token_signing_alg_values_supported: ["RS256", "RS384"],
    subject_types_supported: ["public"],
    scopes_supported: [
      "openid",
      "fhirUser",
      "launch/patient",
      "patient/*.rs",
      "patient/Patient.rs",
      "patient/Observation.rs",
      "offline_access",
    ],
    response_types_supported: ["code"],
    capabilities: [
      "launch-standalone",
      "client-public",
      "client-confidential-symmetric",
      "client-confidential-asymmetric",
      "context-standalone-patient",
      "permission-offline",
      "permission-patient",
      "permission-v2",
      "sso-openid-connect",
    ],
  };
}

/** The paths of the token and introspection endpoints, whose replies must not be cached (app-launch.md). */
const NO_CACHE_PATHS = new Set(["/auth/token", "/auth/introspect"]);

/** Which origins may read each path from a browser (app-launch.md, CORS). */
function corsRule(path: string): CorsRule | undefined {
  if (path.endsWith("/.well-known/smart-configuration") || path.startsWith("/.well-known/")) return { origins: "any", methods: "GET" };
  if (path === "/fhir/metadata") return { origins: "any", methods: "GET" };
  if (NO_CACHE_PATHS.has(path)) return { origins: "registered", methods: "POST" };
  if (path.startsWith("/fhir/")) return { origins: "registered", methods: "GET" };
  return undefined;
}

export async function startSmartServer(options: SmartServerOptions): Promise<SmartServer> {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  // Port 0: the system picks a free port; pages print only the public base URL.
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no TCP address"));
      else resolve(address.port);
    });
  });

  const base = (options.publicBase ?? `http://127.0.0.1:${port}`).replace(/\/$/, "");
  const fhirBase = `${base}/fhir`;
  let offset = 0;
  const now = (): number => (options.systemClock === true ? Math.floor(Date.now() / 1000) : options.startTime) + offset;
  const serverKey = await readServerKey(options.serverKeyFile, "RS384");
  const idTokenKey: ServerKey =
    options.idTokenKeyFile !== undefined
      ? await readServerKey(options.idTokenKeyFile, "RS256")
      : await readServerKey(options.serverKeyFile, "RS256");
  const auth = createAuthorizationServer({
    issuer: base,
    fhirBase,
    tokenUrl: `${base}/auth/token`,
    clients: options.clients,
    patient: options.patient,
    fhirUser: `${fhirBase}/${options.fhirUser}`,
    serverKey,
    idTokenKeys: { RS256: idTokenKey, RS384: serverKey },
    now,
  });
  const fhir = createFhirEndpoint({ fhirBase, patient: options.patient, now, checkAccessToken: auth.checkAccessToken });
  const discovery = withBackendServices(discoveryDocument(base));
  // One key for both algorithms when no ID-token key was given: its JWK then names no "alg".
  const publicKeys =
    idTokenKey.kid === serverKey.kid
      ? [Object.fromEntries(Object.entries(serverKey.publicJwk).filter(([name]) => name !== "alg"))]
      : [serverKey.publicJwk, idTokenKey.publicJwk];
  const registeredOrigins = new Set(options.clients.flatMap((c) => c.redirectUris.map((uri) => new URL(uri).origin)));

  async function route(req: http.IncomingMessage, body: string): Promise<Reply> {
    const url = new URL(req.url ?? "/", base);
    const authorization = req.headers.authorization;
    const isForm = String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
    const needsForm = (handle: (f: URLSearchParams) => Promise<Reply>): Promise<Reply> | Reply => {
      if (req.method !== "POST" || !isForm) return { status: 400, body: { error: "invalid_request", error_description: "POST a form-encoded body" } };
      return handle(new URLSearchParams(body));
    };
    switch (url.pathname) {
      case "/fhir/.well-known/smart-configuration":
      case "/.well-known/smart-configuration":
      case "/.well-known/openid-configuration":
        return { status: 200, body: discovery };
      case "/.well-known/jwks.json":
        return { status: 200, body: { keys: publicKeys } };
      case "/auth/authorize":
        // app-launch.md: the authorize endpoint takes GET (query) and POST (form).
        if (req.method === "POST") return needsForm((f) => auth.authorize(f));
        return auth.authorize(url.searchParams);
      case "/auth/token":
        return needsForm((f) => auth.token(f, authorization));
      case "/auth/introspect":
        return needsForm((f) => auth.introspect(f, authorization));
    }
    if (url.pathname.startsWith("/fhir/")) return fhir(req.method ?? "GET", url, authorization);
    return { status: 404, body: { error: "not_found" } };
  }

  handler = (req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", base).pathname;
      const rule = corsRule(path);
      const origin = rule ? allowedOrigin(rule, req.headers.origin, registeredOrigins) : undefined;
      if (req.method === "OPTIONS" && rule) {
        res.writeHead(204, preflight(rule, origin)).end();
        return;
      }
      route(req, body)
        .catch((error: unknown): Reply => ({ status: 500, body: { error: "server_error", error_description: String(error) } }))
        .then((reply) => {
          const json = reply.body?.resourceType !== undefined ? "application/fhir+json" : "application/json";
          res.writeHead(reply.status, {
            ...(reply.body ? { "Content-Type": json } : {}),
            // app-launch.md: token responses carry Cache-Control: no-store and Pragma: no-cache.
            ...(NO_CACHE_PATHS.has(path) ? { "Cache-Control": "no-store", Pragma: "no-cache" } : {}),
            ...(rule ? corsHeaders(rule, origin) : {}),
            ...reply.headers,
          });
          res.end(reply.body ? JSON.stringify(reply.body) : undefined);
        });
    });
  };

  return {
    issuer: base,
    fhirBase,
    authorizeUrl: `${base}/auth/authorize`,
    tokenUrl: `${base}/auth/token`,
    introspectionUrl: `${base}/auth/introspect`,
    jwksUrl: `${base}/.well-known/jwks.json`,
    port,
    now,
    advance(seconds: number) {
      offset += seconds;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
