// How the token endpoint knows which client is calling: public clients name themselves,
// confidential ones prove it with a shared secret (client_secret_basic) or a signed assertion
// (private_key_jwt, checked by the rules of the backend-services page).
import * as crypto from "node:crypto";
import * as jose from "jose";
import { OAuthError } from "./errors";
import type { RsaAlg } from "./server-tokens";

export const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** exp of a client assertion may be at most five minutes ahead. */
const MAX_ASSERTION_LIFETIME = 300;
const KEY_TYPE_FOR_ALG: Record<string, string> = { RS384: "RSA", ES384: "EC" };

export type ClientAuthentication =
  | { method: "none" }
  | { method: "client_secret_basic"; secret: string }
  /** Registered with a JWK Set, a JWK Set URL (fetched when a key is needed), or both. */
  | { method: "private_key_jwt"; jwks?: jose.JSONWebKeySet; jwksUrl?: string };

/** What the server recorded when the client registered. */
export interface ClientRegistration {
  clientId: string;
  redirectUris: string[];
  /** Scopes the client may be granted; a request for others is cut down to these. */
  scopes: string[];
  authentication: ClientAuthentication;
  /** The algorithm of its ID tokens (OpenID Connect's id_token_signed_response_alg); default RS256. */
  idTokenSigningAlg?: RsaAlg;
}

export interface AuthenticationContext {
  clients: readonly ClientRegistration[];
  /** The token endpoint's public URL: the audience an assertion must name. */
  tokenUrl: string;
  now: number;
  /** `${client_id} ${jti}` → exp, for assertions already used. */
  usedJtis: Map<string, number>;
}

/** The challenge of a 401 from an endpoint that takes HTTP Basic client credentials. */
export const basicChallenge = (issuer: string): string => `Basic realm="${issuer}"`;

/** RFC 6749 §2.3.1: the client id and secret are each application/x-www-form-urlencoded before joining. */
const formDecode = (value: string): string => new URLSearchParams(`v=${value.replace(/&/g, "%26")}`).get("v") ?? "";

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** Whether the request carries client credentials: HTTP Basic or a client assertion. */
export function hasClientCredentials(form: URLSearchParams, authorization: string | undefined): boolean {
  return /^Basic /i.test(authorization ?? "") || form.has("client_assertion");
}

/**
 * The keys to check a client's assertion with (client-confidential-asymmetric.md): those at the
 * jku URL (already checked to be the registered one), else at the registered JWK Set URL
 * (fetched on every request, no cache), else the registered JWK Set.
 */
async function registeredKeys(authentication: { jwks?: jose.JSONWebKeySet; jwksUrl?: string }, jku: string | undefined): Promise<jose.JWK[]> {
  const url = jku ?? authentication.jwksUrl;
  if (url === undefined) return authentication.jwks?.keys ?? [];
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const set = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(set.keys)) throw new Error("no keys array");
    return set.keys as jose.JWK[];
  } catch (error) {
    throw new OAuthError("invalid_client", `the client's JWK Set URL ${url} could not be read: ${(error as Error).message}`);
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

async function checkAssertion(client: ClientRegistration, assertion: string, context: AuthenticationContext): Promise<void> {
  if (client.authentication.method !== "private_key_jwt") throw new Error("not a private_key_jwt client");
  const { jwks, jwksUrl } = client.authentication;
  let header: jose.ProtectedHeaderParameters;
  let claims: jose.JWTPayload;
  try {
    header = jose.decodeProtectedHeader(assertion);
    claims = jose.decodeJwt(assertion);
  } catch {
    throw new OAuthError("invalid_client", "client_assertion is not a signed JWT");
  }
  const alg = header.alg ?? "";
  const keyType = KEY_TYPE_FOR_ALG[alg];
  if (!keyType) throw new OAuthError("invalid_client", `alg must be RS384 or ES384, not "${alg}"`);
  if (header.typ !== "JWT") throw new OAuthError("invalid_client", 'typ must be "JWT"');
  if (claims.iss !== client.clientId || claims.sub !== client.clientId) {
    throw new OAuthError("invalid_client", "iss and sub must both be the client_id");
  }
  if (header.jku !== undefined && header.jku !== jwksUrl) {
    throw new OAuthError("invalid_client", `jku "${header.jku}" is not the client's registered JWK set URL`);
  }
  const keys = await registeredKeys({ ...(jwks ? { jwks } : {}), ...(jwksUrl !== undefined ? { jwksUrl } : {}) }, header.jku);
  const candidates = keys.filter((key) => key.kid === header.kid && key.kty === keyType);
  if (candidates.length !== 1) {
    throw new OAuthError("invalid_client", `kid "${String(header.kid)}" matches no registered ${keyType} key of this client`);
  }
  try {
    await jose.compactVerify(assertion, await jose.importJWK(candidates[0]!, alg), { algorithms: [alg] });
  } catch {
    throw new OAuthError("invalid_client", `signature does not verify with the registered key "${String(header.kid)}"`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(context.tokenUrl)) {
    throw new OAuthError("invalid_client", `aud must be the token endpoint URL ${context.tokenUrl}`);
  }
  const exp = claims.exp;
  if (typeof exp !== "number" || !Number.isInteger(exp)) {
    throw new OAuthError("invalid_client", "exp must be an integer number of seconds since the epoch");
  }
  if (exp <= context.now) throw new OAuthError("invalid_client", "client_assertion has expired");
  if (exp > context.now + MAX_ASSERTION_LIFETIME) {
    throw new OAuthError("invalid_client", "exp must be no more than 5 minutes in the future");
  }
  const jti = claims.jti;
  if (typeof jti !== "string" || jti === "") throw new OAuthError("invalid_client", "jti is missing");
  for (const [key, until] of context.usedJtis) if (until <= context.now) context.usedJtis.delete(key);
  const jtiKey = `${client.clientId} ${jti}`;
  if (context.usedJtis.has(jtiKey)) throw new OAuthError("invalid_client", `jti "${jti}" has already been used`);
  context.usedJtis.set(jtiKey, exp);
}

/**
 * The registered client making this token request, authenticated as its registration requires.
 * A confidential client that does not prove who it is gets invalid_client (HTTP 401).
 */
export async function authenticateClient(
  form: URLSearchParams,
  authorization: string | undefined,
  context: AuthenticationContext,
): Promise<ClientRegistration> {
  const basic = basicCredentials(authorization);
  const assertion = form.get("client_assertion");
  let clientId = basic?.id ?? form.get("client_id") ?? undefined;
  if (clientId === undefined && assertion !== null) {
    try {
      const iss = jose.decodeJwt(assertion).iss;
      if (typeof iss === "string") clientId = iss;
    } catch {
      throw new OAuthError("invalid_client", "client_assertion is not a signed JWT");
    }
  }
  const client = context.clients.find((c) => c.clientId === clientId);
  if (!client) throw new OAuthError("invalid_client", `unknown client "${clientId ?? ""}"`);
  const { authentication } = client;
  switch (authentication.method) {
    case "none":
      if (basic || assertion !== null) throw new OAuthError("invalid_client", "a public client has no credentials to send");
      return client;
    case "client_secret_basic":
      if (!basic) throw new OAuthError("invalid_client", "this client authenticates with HTTP Basic (client_secret_basic)");
      if (!sameSecret(basic.secret, authentication.secret)) throw new OAuthError("invalid_client", "client secret is wrong");
      return client;
    case "private_key_jwt":
      if (form.get("client_assertion_type") !== ASSERTION_TYPE || assertion === null) {
        throw new OAuthError("invalid_client", `this client authenticates with a client_assertion of type ${ASSERTION_TYPE}`);
      }
      await checkAssertion(client, assertion, context);
      return client;
  }
}
