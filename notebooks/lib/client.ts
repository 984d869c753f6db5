// The app's side: PKCE, HTTP requests addressed to the server's public URLs (sent to its
// loopback port), and how a page prints a request, a response and a token.
import * as crypto from "node:crypto";
import * as http from "node:http";
import * as jose from "jose";
import type { SmartServer } from "./server";

export interface HttpRequest {
  method: "GET" | "POST";
  /** The public URL, as the page shows it. */
  url: string;
  headers?: Record<string, string>;
  form?: URLSearchParams;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A PKCE pair: the verifier the app keeps and its S256 challenge. */
export function pkce(verifier: string): { verifier: string; challenge: string } {
  return { verifier, challenge: crypto.createHash("sha256").update(verifier).digest("base64url") };
}

/** Sends the request to the server's loopback port; the path and Host are the public URL's. */
export function send(server: SmartServer, request: HttpRequest): Promise<HttpResponse> {
  const url = new URL(request.url);
  const body = request.form?.toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: server.port,
        path: url.pathname + url.search,
        method: request.method,
        agent: false,
        headers: {
          Host: url.host,
          Accept: "application/json",
          ...(body !== undefined ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
          ...request.headers,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === "string") headers[name] = value;
          resolve({ status: res.statusCode ?? 0, headers, body: text === "" ? undefined : (JSON.parse(text) as unknown) });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The request as a curl command, with the headers send() adds (Accept, and Content-Type for a
 * form, as the spec's curl lines show them); a form is one -d per field, already encoded.
 */
export function asCurl(request: HttpRequest): string {
  const lines = [`curl${request.method === "POST" ? " -X POST" : ""} ${quote(request.url)}`, "  -H 'Accept: application/json'"];
  if (request.form !== undefined) lines.push("  -H 'Content-Type: application/x-www-form-urlencoded'");
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`  -H ${quote(`${name}: ${value}`)}`);
  for (const [name, value] of request.form ?? []) lines.push(`  -d ${quote(new URLSearchParams([[name, value]]).toString())}`);
  return lines.join(" \\\n");
}

/** A URL with its query split over lines, as the spec's pages print one ("newlines added for clarity"). */
export function spreadUrl(url: string): string {
  const u = new URL(url);
  const params = [...u.searchParams].map(([name, value]) => `  ${new URLSearchParams([[name, value]]).toString()}`);
  return params.length === 0 ? url : `${u.origin}${u.pathname}?\n${params.join("&\n")}`;
}

/** The response headers a page shows, by their lower-case name in Node and as they are written. */
const SHOWN_HEADERS: [string, string][] = [
  ["location", "Location"],
  ["www-authenticate", "WWW-Authenticate"],
  ["content-type", "Content-Type"],
  // Token and introspection responses: the spec requires both (app-launch.md).
  ["cache-control", "Cache-Control"],
  ["pragma", "Pragma"],
];

/** The line that separates a request shown above from its response. */
export const RESPONSE_LINE = "------------------------------------------------------------ response";

/** A line marking the response, its status line, the headers that matter to the reader, and the JSON body. */
export function showResponse(response: HttpResponse): void {
  const lines = [RESPONSE_LINE, `HTTP/1.1 ${response.status} ${http.STATUS_CODES[response.status] ?? ""}`];
  for (const [name, shown] of SHOWN_HEADERS) {
    const value = response.headers[name];
    if (value !== undefined) lines.push(`${shown}: ${value}`);
  }
  console.log(lines.join("\n"));
  if (response.body !== undefined) console.log(`\n${JSON.stringify(response.body, null, 2)}`);
}

/** A token's header and claims, each as JSON. */
export function showToken(label: string, token: string): void {
  console.log(`${label}\n${token}\nheader: ${JSON.stringify(jose.decodeProtectedHeader(token))}\nclaims: ${JSON.stringify(jose.decodeJwt(token), null, 2)}\n`);
}

/** The body of a JSON response as an object, for reading its fields. */
export function jsonBody(response: HttpResponse): Record<string, unknown> {
  if (typeof response.body !== "object" || response.body === null) throw new Error(`HTTP ${response.status}: no JSON object`);
  return response.body as Record<string, unknown>;
}

/** A string field of a JSON response, or an error naming it. */
export function field(response: HttpResponse, name: string): string {
  const value = jsonBody(response)[name];
  if (typeof value !== "string") throw new Error(`HTTP ${response.status}: no "${name}" in ${JSON.stringify(response.body)}`);
  return value;
}

export interface LaunchSteps {
  authorize: HttpRequest;
  redirect: HttpResponse;
  token: HttpRequest;
  tokenResponse: HttpResponse;
}

/**
 * A whole standalone launch of a public client, for pages about what comes after it: authorize
 * with PKCE, follow the redirect, exchange the code. Returns each request and response.
 */
export async function launchPublicApp(
  server: SmartServer,
  app: { clientId: string; redirectUri: string; scope: string; state: string; verifier: string },
): Promise<LaunchSteps> {
  const { challenge } = pkce(app.verifier);
  const authorizeUrl = new URL(server.authorizeUrl);
  for (const [name, value] of [
    ["response_type", "code"],
    ["client_id", app.clientId],
    ["scope", app.scope],
    ["redirect_uri", app.redirectUri],
    ["aud", server.fhirBase],
    ["state", app.state],
    ["code_challenge", challenge],
    ["code_challenge_method", "S256"],
  ]) authorizeUrl.searchParams.set(name!, value!);
  const authorize: HttpRequest = { method: "GET", url: authorizeUrl.toString() };
  const redirect = await send(server, authorize);
  const back = new URL(redirect.headers.location ?? "");
  const code = back.searchParams.get("code");
  if (redirect.status !== 302 || back.searchParams.get("state") !== app.state || code === null) {
    throw new Error(`authorize did not redirect back with a code: HTTP ${redirect.status} ${redirect.headers.location ?? ""}`);
  }
  const token: HttpRequest = {
    method: "POST",
    url: server.tokenUrl,
    form: new URLSearchParams([
      ["grant_type", "authorization_code"],
      ["code", code],
      ["redirect_uri", app.redirectUri],
      ["code_verifier", app.verifier],
      ["client_id", app.clientId],
    ]),
  };
  return { authorize, redirect, token, tokenResponse: await send(server, token) };
}
