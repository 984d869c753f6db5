// The authorization server's three endpoints as functions: authorize (a simulated launch: the
// user always approves), token (authorization_code with PKCE, refresh_token) and introspect.
import * as crypto from "node:crypto";
import * as jose from "jose";
import { clientCredentialsGrant } from "./backend-services";
import { authenticateClient, type ClientRegistration } from "./client-auth";
import { OAuthError } from "./errors";
import { readServerToken, signServerToken, type ServerKey } from "./server-tokens";

const CODE_LIFETIME = 300;
const ACCESS_TOKEN_LIFETIME = 3600;
const REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600;

export interface AuthorizationConfig {
  issuer: string;
  fhirBase: string;
  tokenUrl: string;
  clients: readonly ClientRegistration[];
  /** The patient the simulated user picks, and who the user is (an FHIR resource URL). */
  patient: string;
  fhirUser: string;
  serverKey: ServerKey;
  now: () => number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

const scopeList = (scope: string | null | undefined): string[] => (scope ?? "").split(" ").filter((s) => s !== "");

export function s256(verifier: string): string {
  return crypto.createHash("sha256").update(verifier).digest("base64url");
}

export function createAuthorizationServer(config: AuthorizationConfig) {
  // Each id is a counter, so every run hands out the same ids in the same order.
  let issued = 0;
  const nextId = (prefix: string): string => `${prefix}-${String(++issued).padStart(4, "0")}`;
  const usedCodes = new Set<string>();
  const usedJtis = new Map<string, number>();

  /** GET authorize: a redirect to the client with a code, or with an error once the redirect URI is trusted. */
  async function authorize(query: URLSearchParams): Promise<Reply> {
    const client = config.clients.find((c) => c.clientId === query.get("client_id"));
    if (!client) return { status: 400, body: new OAuthError("invalid_request", "unknown client_id").body };
    const redirectUri = query.get("redirect_uri") ?? "";
    // Never redirect to an address the client did not register: answer the browser instead.
    if (!client.redirectUris.includes(redirectUri)) {
      return { status: 400, body: new OAuthError("invalid_request", "redirect_uri is not registered for this client").body };
    }
    const back = (params: Record<string, string>): Reply => {
      const url = new URL(redirectUri);
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      return { status: 302, headers: { Location: url.toString() } };
    };
    const state = query.get("state") ?? "";
    const refuse = (error: OAuthError): Reply => back({ ...error.body, state });
    if (query.get("response_type") !== "code") {
      return refuse(new OAuthError("unsupported_response_type", 'response_type must be "code"'));
    }
    if (state === "") return refuse(new OAuthError("invalid_request", "state is required"));
    if (query.get("aud") !== config.fhirBase) {
      return refuse(new OAuthError("invalid_request", `aud must be the FHIR base URL ${config.fhirBase}`));
    }
    const challenge = query.get("code_challenge") ?? "";
    if (query.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return refuse(new OAuthError("invalid_request", "PKCE is required: code_challenge_method S256 and a code_challenge"));
    }
    const requested = scopeList(query.get("scope"));
    const granted = requested.filter((s) => client.scopes.includes(s));
    if (granted.length === 0) return refuse(new OAuthError("invalid_scope", "no requested scope may be granted to this client"));
    const now = config.now();
    const code = await signServerToken(config.serverKey, "code", {
      iss: config.issuer,
      aud: config.tokenUrl,
      client_id: client.clientId,
      redirect_uri: redirectUri,
      scope: granted.join(" "),
      patient: config.patient,
      code_challenge: challenge,
      code_challenge_method: "S256",
      iat: now,
      exp: now + CODE_LIFETIME,
      jti: nextId("code"),
    });
    return back({ code, state });
  }

  /** The token response for what a code or refresh token granted; a refresh sends its refresh token back unchanged. */
  async function tokenResponse(client: ClientRegistration, grant: jose.JWTPayload, refreshToken?: string): Promise<Record<string, unknown>> {
    const now = config.now();
    const scope = String(grant.scope);
    const scopes = scopeList(scope);
    const patient = typeof grant.patient === "string" ? grant.patient : undefined;
    const accessToken = await signServerToken(config.serverKey, "access", {
      iss: config.issuer,
      aud: config.fhirBase,
      sub: scopes.includes("fhirUser") ? config.fhirUser : client.clientId,
      client_id: client.clientId,
      scope,
      ...(patient ? { patient } : {}),
      ...(scopes.includes("fhirUser") ? { fhirUser: config.fhirUser } : {}),
      iat: now,
      exp: now + ACCESS_TOKEN_LIFETIME,
      jti: nextId("at"),
    });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: ACCESS_TOKEN_LIFETIME,
      scope,
      ...(patient ? { patient } : {}),
    };
    if (scopes.includes("openid") && scopes.includes("fhirUser")) {
      body.id_token = await signIdToken(client, now);
    }
    if (scopes.includes("offline_access")) {
      body.refresh_token =
        refreshToken ??
        (await signServerToken(config.serverKey, "refresh", {
          iss: config.issuer,
          aud: config.tokenUrl,
          client_id: client.clientId,
          scope,
          ...(patient ? { patient } : {}),
          iat: now,
          exp: now + REFRESH_TOKEN_LIFETIME,
          jti: nextId("rt"),
        }));
    }
    return body;
  }

  async function signIdToken(client: ClientRegistration, now: number): Promise<string> {
    return new jose.SignJWT({ fhirUser: config.fhirUser })
      .setProtectedHeader({ alg: "RS384", kid: config.serverKey.kid, typ: "JWT" })
      .setIssuer(config.issuer)
      .setSubject(config.fhirUser)
      .setAudience(client.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_LIFETIME)
      .sign(config.serverKey.key);
  }

  async function authorizationCodeGrant(client: ClientRegistration, form: URLSearchParams): Promise<Record<string, unknown>> {
    const claims = await readServerToken(config.serverKey, "code", form.get("code") ?? "");
    if (!claims) throw new OAuthError("invalid_grant", "code is not an authorization code of this server");
    if (claims.client_id !== client.clientId) throw new OAuthError("invalid_grant", "code was issued to another client");
    const jti = String(claims.jti);
    if (usedCodes.has(jti)) throw new OAuthError("invalid_grant", "code has already been used");
    if ((claims.exp ?? 0) <= config.now()) throw new OAuthError("invalid_grant", "code has expired");
    if (form.get("redirect_uri") !== claims.redirect_uri) {
      throw new OAuthError("invalid_grant", "redirect_uri differs from the one in the authorization request");
    }
    const verifier = form.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
      throw new OAuthError("invalid_grant", "code_verifier must be 43 to 128 unreserved characters");
    }
    // The code is spent from here on, even if the verifier is wrong: a guessed verifier gets one try.
    usedCodes.add(jti);
    if (s256(verifier) !== claims.code_challenge) {
      throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
    }
    return tokenResponse(client, claims);
  }

  async function refreshTokenGrant(client: ClientRegistration, form: URLSearchParams): Promise<Record<string, unknown>> {
    const raw = form.get("refresh_token") ?? "";
    const claims = await readServerToken(config.serverKey, "refresh", raw);
    if (!claims) throw new OAuthError("invalid_grant", "refresh_token is not a refresh token of this server");
    if (claims.client_id !== client.clientId) throw new OAuthError("invalid_grant", "refresh_token was issued to another client");
    if ((claims.exp ?? 0) <= config.now()) throw new OAuthError("invalid_grant", "refresh_token has expired");
    const granted = scopeList(String(claims.scope));
    const asked = form.has("scope") ? scopeList(form.get("scope")) : granted;
    const beyond = asked.filter((s) => !granted.includes(s));
    if (beyond.length > 0) throw new OAuthError("invalid_scope", `not granted before: ${beyond.join(" ")}`);
    // The refresh token stays valid: it is sent back unchanged.
    return tokenResponse(client, { ...claims, scope: asked.join(" ") }, raw);
  }

  /** POST token: client authentication first, then the grant. */
  async function token(form: URLSearchParams, authorization: string | undefined): Promise<Reply> {
    try {
      const client = await authenticateClient(form, authorization, {
        clients: config.clients,
        tokenUrl: config.tokenUrl,
        now: config.now(),
        usedJtis,
      });
      const grantType = form.get("grant_type");
      const body =
        grantType === "authorization_code"
          ? await authorizationCodeGrant(client, form)
          : grantType === "refresh_token"
            ? await refreshTokenGrant(client, form)
            : grantType === "client_credentials"
              ? await clientCredentialsGrant({ ...config, nextId }, client, form)
              : undefined;
      if (!body) {
        throw new OAuthError("unsupported_grant_type", 'grant_type must be "authorization_code", "refresh_token" or "client_credentials"');
      }
      return { status: 200, body };
    } catch (error) {
      if (error instanceof OAuthError) return { status: error.status, body: error.body };
      throw error;
    }
  }

  /** The claims of an access token this server issued and that has not expired, or undefined. */
  async function activeAccessToken(token: string): Promise<jose.JWTPayload | undefined> {
    const claims = await readServerToken(config.serverKey, "access", token);
    return claims && (claims.exp ?? 0) > config.now() ? claims : undefined;
  }

  /**
   * POST introspect (RFC 7662 with the SMART fields). Who may ask: any caller holding an active
   * access token of this server, as a bearer token, as the spec's page allows.
   */
  async function introspect(form: URLSearchParams, authorization: string | undefined): Promise<Reply> {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    if (!bearer || !(await activeAccessToken(bearer))) {
      const error = new OAuthError("invalid_token", "introspection requires an active bearer token of this server");
      return { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' }, body: error.body };
    }
    const token = form.get("token");
    if (token === null) return { status: 400, body: new OAuthError("invalid_request", "token is missing").body };
    const claims = await activeAccessToken(token);
    if (!claims) return { status: 200, body: { active: false } };
    const body: Record<string, unknown> = {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      exp: claims.exp,
    };
    // Launch context, and the ID token's claims when the token response carried an ID token.
    if (claims.patient !== undefined) body.patient = claims.patient;
    if (claims.fhirUser !== undefined) Object.assign(body, { iss: claims.iss, sub: claims.sub, fhirUser: claims.fhirUser });
    return { status: 200, body };
  }

  return { authorize, token, introspect, activeAccessToken };
}

export type AuthorizationServer = ReturnType<typeof createAuthorizationServer>;
