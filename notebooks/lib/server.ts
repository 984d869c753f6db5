// A local SMART on FHIR server for the example pages: discovery, authorize, token, introspect and
// a minimal FHIR endpoint, on 127.0.0.1 at a port the system picks. It acts as a fixed public
// base URL (every iss, aud, redirect and discovery value names it), keeps a fixed clock the page
// may move forward, and hands out ids from counters, so a page prints the same on every run.
import * as http from "node:http";
import { createAuthorizationServer, type Reply } from "./authorization";
import { withBackendServices } from "./backend-services";
import type { ClientRegistration } from "./client-auth";
import { createFhirEndpoint } from "./fhir";
import { readServerKey } from "./server-tokens";

export type { ClientRegistration } from "./client-auth";

export interface SmartServerOptions {
  /** The public origin the server acts as, e.g. "https://ehr.example.com". */
  publicBase: string;
  /** Private JWK set file of the server's RS384 signing key. */
  serverKeyFile: string;
  clients: ClientRegistration[];
  /** Seconds since the epoch at which the example happens. */
  startTime: number;
  /** The patient the simulated user picks at launch. */
  patient: string;
  /** Who the simulated user is, relative to the FHIR base (e.g. "Practitioner/123"). */
  fhirUser: string;
}

export interface SmartServer {
  readonly fhirBase: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  /** The loopback address requests for publicBase go to. */
  readonly port: number;
  now(): number;
  /** Moves the server's clock forward. */
  advance(seconds: number): void;
  close(): Promise<void>;
}

/** The discovery document, with the fields of the specification's example. */
function smartConfiguration(base: string): Record<string, unknown> {
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
    scopes_supported: [
      "openid",
      "fhirUser",
      "launch",
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

export async function startSmartServer(options: SmartServerOptions): Promise<SmartServer> {
  const base = options.publicBase.replace(/\/$/, "");
  const fhirBase = `${base}/fhir`;
  let clock = options.startTime;
  const now = (): number => clock;
  const serverKey = await readServerKey(options.serverKeyFile);
  const auth = createAuthorizationServer({
    issuer: base,
    fhirBase,
    tokenUrl: `${base}/auth/token`,
    clients: options.clients,
    patient: options.patient,
    fhirUser: `${fhirBase}/${options.fhirUser}`,
    serverKey,
    now,
  });
  const fhir = createFhirEndpoint({ fhirBase, patient: options.patient, now, activeAccessToken: auth.activeAccessToken });
  const discovery = withBackendServices(smartConfiguration(base));

  async function route(req: http.IncomingMessage, body: string): Promise<Reply> {
    const url = new URL(req.url ?? "/", base);
    const authorization = req.headers.authorization;
    const form = (): URLSearchParams | undefined =>
      String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(body) : undefined;
    const needsForm = (handler: (f: URLSearchParams) => Promise<Reply>): Promise<Reply> | Reply => {
      const f = form();
      if (req.method !== "POST" || !f) return { status: 400, body: { error: "invalid_request", error_description: "POST a form-encoded body" } };
      return handler(f);
    };
    switch (url.pathname) {
      case "/fhir/.well-known/smart-configuration":
      case "/.well-known/smart-configuration":
        return { status: 200, body: discovery };
      case "/.well-known/jwks.json":
        return { status: 200, body: { keys: [serverKey.publicJwk] } };
      case "/auth/authorize":
        return auth.authorize(url.searchParams);
      case "/auth/token":
        return needsForm((f) => auth.token(f, authorization));
      case "/auth/introspect":
        return needsForm((f) => auth.introspect(f, authorization));
    }
    if (url.pathname.startsWith("/fhir/")) return fhir(req.method ?? "GET", url, authorization);
    return { status: 404, body: { error: "not_found" } };
  }

  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      route(req, body)
        .catch((error: unknown): Reply => ({ status: 500, body: { error: "server_error", error_description: String(error) } }))
        .then((reply) => {
          const json = reply.body?.resourceType !== undefined ? "application/fhir+json" : "application/json";
          res.writeHead(reply.status, {
            ...(reply.body ? { "Content-Type": json } : {}),
            "Cache-Control": "no-store",
            ...reply.headers,
          });
          res.end(reply.body ? JSON.stringify(reply.body) : undefined);
        });
    });
  });
  // Port 0: the system picks a free port; pages print only the public base URL.
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") reject(new Error("no TCP address"));
      else resolve(address.port);
    });
  });

  return {
    fhirBase,
    authorizeUrl: `${base}/auth/authorize`,
    tokenUrl: `${base}/auth/token`,
    introspectionUrl: `${base}/auth/introspect`,
    port,
    now,
    advance(seconds: number) {
      clock += seconds;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
