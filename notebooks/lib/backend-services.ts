// The backend-services grant: a client with no user (a system) gets an access token with
// grant_type=client_credentials, after proving who it is with a signed assertion, for `system/`
// scopes it registered. The token reads FHIR data across patients, as its scopes allow.
import type { ClientRegistration } from "./client-auth";
import { OAuthError } from "./errors";
import { signServerToken, type ServerKey } from "./server-tokens";

/** Seconds a backend-services access token lives (the spec's example: 3600). */
export const SYSTEM_TOKEN_LIFETIME = 3600;

export interface ClientCredentialsConfig {
  issuer: string;
  fhirBase: string;
  serverKey: ServerKey;
  now: () => number;
  /** A fresh id from the server's counter, for the token's jti. */
  nextId: (prefix: string) => string;
}

const SYSTEM_SCOPE = /^system\/(\*|[A-Za-z]+)\.(read|write|\*|[cruds]+)$/;

/**
 * POST token with grant_type=client_credentials, for a client already authenticated. Only a client
 * that signs assertions (private_key_jwt) may use it; every scope asked for must be a `system/`
 * scope the client registered, or the request is refused as a whole.
 */
export async function clientCredentialsGrant(
  config: ClientCredentialsConfig,
  client: ClientRegistration,
  form: URLSearchParams,
): Promise<Record<string, unknown>> {
  if (client.authentication.method !== "private_key_jwt") {
    throw new OAuthError("unauthorized_client", "client_credentials is for clients that authenticate with a signed assertion");
  }
  const asked = (form.get("scope") ?? "").split(" ").filter((s) => s !== "");
  if (asked.length === 0) throw new OAuthError("invalid_scope", "scope is missing");
  const notSystem = asked.filter((s) => !SYSTEM_SCOPE.test(s));
  if (notSystem.length > 0) throw new OAuthError("invalid_scope", `only system/ scopes may be asked for: ${notSystem.join(" ")}`);
  const refused = asked.filter((s) => !client.scopes.includes(s));
  if (refused.length > 0) throw new OAuthError("invalid_scope", `scope not granted to this client: ${refused.join(" ")}`);
  const now = config.now();
  const scope = asked.join(" ");
  const accessToken = await signServerToken(config.serverKey, "access", {
    iss: config.issuer,
    aud: config.fhirBase,
    sub: client.clientId,
    client_id: client.clientId,
    scope,
    iat: now,
    exp: now + SYSTEM_TOKEN_LIFETIME,
    jti: config.nextId("at"),
  });
  return { access_token: accessToken, token_type: "Bearer", expires_in: SYSTEM_TOKEN_LIFETIME, scope };
}

/** Whether the scopes let a system read (search and read) `resource` for any patient: system/<type>.rs or .read. */
export function systemMayRead(scopes: readonly string[], resource: string): boolean {
  return scopes.some((scope) => {
    const match = SYSTEM_SCOPE.exec(scope);
    if (!match) return false;
    const [, type, permissions] = match;
    const reads = permissions === "read" || permissions === "*" || (permissions!.includes("r") && permissions!.includes("s"));
    return (type === "*" || type === resource) && reads;
  });
}

/** The discovery document with what backend services need: the client_credentials grant and the system/ scope. */
export function withBackendServices(discovery: Record<string, unknown>): Record<string, unknown> {
  const add = (list: unknown, item: string): string[] => {
    const items = Array.isArray(list) ? list.map(String) : [];
    return items.includes(item) ? items : [...items, item];
  };
  return {
    ...discovery,
    grant_types_supported: add(discovery.grant_types_supported, "client_credentials"),
    scopes_supported: add(discovery.scopes_supported, "system/*.rs"),
  };
}
