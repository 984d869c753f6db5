// The authorization server's three endpoints as functions: authorize (a simulated launch: the
// user always approves), token (one table of grants: authorization_code with PKCE, refresh_token)
// and introspect.
import * as crypto from "node:crypto";
import * as jose from "jose";
import { clientCredentialsGrant } from "./backend-services";
import { authenticateClient, basicChallenge, hasClientCredentials, type ClientRegistration } from "./client-auth";
import { OAuthError } from "./errors";
import { readServerToken, signServerToken, type RsaAlg, type ServerKey } from "./server-tokens";

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
  /** Signs codes, access and refresh tokens (RS384). */
  serverKey: ServerKey;
  /** Signs ID tokens, by algorithm: RS256 (the default of OpenID Connect) and RS384. */
  idTokenKeys: Record<RsaAlg, ServerKey>;
  now: () => number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

/** The claims of an access token this server issued for its FHIR endpoint, or why it is refused. */
export type AccessTokenCheck = { claims: jose.JWTPayload } | { problem: string };

/** A grant of the token endpoint: the authenticated client and the form give the token response. */
export type Grant = (client: ClientRegistration, form: URLSearchParams) => Promise<Record<string, unknown>>;

const scopeList = (scope: string | null | undefined): string[] => (scope ?? "").split(" ").filter((s) => s !== "");

export function s256(verifier: string): string {
  return crypto.createHash("sha256").update(verifier).digest("base64url");
}

/** The first parameter given more than once (RFC 6749 §3.1: parameters MUST NOT repeat), if any. */
export function repeatedParameter(params: URLSearchParams): string | undefined {
  const seen = new Set<string>();
  for (const [name] of params) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

const errorReply = (error: OAuthError, headers?: Record<string, string>): Reply => ({
  status: error.status,
  ...(headers ? { headers } : {}),
  body: error.body,
});

export function createAuthorizationServer(config: AuthorizationConfig) {
  // Each id is a counter, so every run hands out the same ids in the same order.
  let issued = 0;
  const nextId = (prefix: string): string => `${prefix}-${String(++issued).padStart(4, "0")}`;
  const usedCodes = new Set<string>();
  const usedJtis = new Map<string, number>();
  const bound = (audience: string) => ({ issuer: config.issuer, audience });

  /**
   * Authorize, by GET (query) or POST (form): a redirect to the client with a code, or with an
   * error once the redirect URI is trusted; before that, an answer to the browser.
   */
  async function authorize(params: URLSearchParams): Promise<Reply> {
    const repeated = repeatedParameter(params);
    if (repeated === "client_id" || repeated === "redirect_uri") {
      return errorReply(new OAuthError("invalid_request", `${repeated} is given more than once`));
    }
    const client = config.clients.find((c) => c.clientId === params.get("client_id"));
    if (!client) return errorReply(new OAuthError("invalid_request", "unknown client_id"));
    const redirectUri = params.get("redirect_uri") ?? "";
    // Never redirect to an address the client did not register: answer the browser instead.
    if (!client.redirectUris.includes(redirectUri)) {
      return errorReply(new OAuthError("invalid_request", "redirect_uri is not registered for this client"));
    }
    const state = params.get("state");
    const back = (values: Record<string, string>): Reply => {
      const url = new URL(redirectUri);
      for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
      // state goes back exactly when the request had one (RFC 6749 §4.1.2.1).
      if (state !== null) url.searchParams.set("state", state);
      return { status: 302, headers: { Location: url.toString() } };
    };
    const refuse = (error: OAuthError): Reply => back(error.body);
    if (repeated) return refuse(new OAuthError("invalid_request", `${repeated} is given more than once`));
    const responseType = params.get("response_type");
    if (responseType === null) return refuse(new OAuthError("invalid_request", "response_type is missing"));
    if (responseType !== "code") return refuse(new OAuthError("unsupported_response_type", 'response_type must be "code"'));
    if (state === null || state === "") return refuse(new OAuthError("invalid_request", "state is required"));
    if (params.get("aud") !== config.fhirBase) {
      return refuse(new OAuthError("invalid_request", `aud must be the FHIR base URL ${config.fhirBase}`));
    }
    const challenge = params.get("code_challenge") ?? "";
    if (params.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return refuse(new OAuthError("invalid_request", "PKCE is required: code_challenge_method S256 and a code_challenge"));
    }
    // "launch" asks for an EHR launch's context; this server has no EHR launch, so it is never granted.
    const requested = scopeList(params.get("scope")).filter((s) => s !== "launch");
    const granted = requested.filter((s) => client.scopes.includes(s));
    if (granted.length === 0) return refuse(new OAuthError("invalid_scope", "no requested scope may be granted to this client"));
    const nonce = params.get("nonce");
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
      ...(nonce !== null ? { nonce } : {}),
      iat: now,
      exp: now + CODE_LIFETIME,
      jti: nextId("code"),
    });
    return back({ code });
  }

  /** An OpenID Connect ID token for the user, signed with the algorithm the client registered (RS256 by default). */
  async function signIdToken(client: ClientRegistration, scopes: string[], now: number, nonce: unknown): Promise<string> {
    const key = config.idTokenKeys[client.idTokenSigningAlg ?? "RS256"];
    return new jose.SignJWT({
      ...(scopes.includes("fhirUser") ? { fhirUser: config.fhirUser } : {}),
      ...(typeof nonce === "string" ? { nonce } : {}),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
      .setIssuer(config.issuer)
      .setSubject(config.fhirUser)
      .setAudience(client.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + ACCESS_TOKEN_LIFETIME)
      .sign(key.key);
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
      // The user when the client asked who they are (the ID token's sub), else the client.
      sub: scopes.includes("openid") || scopes.includes("fhirUser") ? config.fhirUser : client.clientId,
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
    // OpenID Connect: an ID token whenever "openid" is granted; the nonce of the authorization
    // request is echoed (a refresh has none to echo).
    if (scopes.includes("openid")) body.id_token = await signIdToken(client, scopes, now, refreshToken === undefined ? grant.nonce : undefined);
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

  const authorizationCodeGrant: Grant = async (client, form) => {
    const claims = await readServerToken(config.serverKey, "code", form.get("code") ?? "", bound(config.tokenUrl));
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
  };

  const refreshTokenGrant: Grant = async (client, form) => {
    const raw = form.get("refresh_token") ?? "";
    const claims = await readServerToken(config.serverKey, "refresh", raw, bound(config.tokenUrl));
    if (!claims) throw new OAuthError("invalid_grant", "refresh_token is not a refresh token of this server");
    if (claims.client_id !== client.clientId) throw new OAuthError("invalid_grant", "refresh_token was issued to another client");
    if ((claims.exp ?? 0) <= config.now()) throw new OAuthError("invalid_grant", "refresh_token has expired");
    const granted = scopeList(String(claims.scope));
    const asked = form.has("scope") ? scopeList(form.get("scope")) : granted;
    const beyond = asked.filter((s) => !granted.includes(s));
    if (beyond.length > 0) throw new OAuthError("invalid_scope", `not granted before: ${beyond.join(" ")}`);
    // The refresh token stays valid: it is sent back unchanged.
    return tokenResponse(client, { ...claims, scope: asked.join(" ") }, raw);
  };

  /** The grants of the token endpoint, by grant_type. */
  const grants: Record<string, Grant> = {
    authorization_code: authorizationCodeGrant,
    refresh_token: refreshTokenGrant,
    client_credentials: (client, form) => clientCredentialsGrant({ ...config, nextId }, client, form),
  };

  const authentication = () => ({ clients: config.clients, tokenUrl: config.tokenUrl, now: config.now(), usedJtis });

  /** POST token: the request's shape, client authentication, then the grant. */
  async function token(form: URLSearchParams, authorization: string | undefined): Promise<Reply> {
    try {
      const repeated = repeatedParameter(form);
      if (repeated) throw new OAuthError("invalid_request", `${repeated} is given more than once`);
      const grantType = form.get("grant_type");
      if (grantType === null) throw new OAuthError("invalid_request", "grant_type is missing");
      const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
      if (!grant) throw new OAuthError("unsupported_grant_type", `grant_type must be one of: ${Object.keys(grants).join(", ")}`);
      const client = await authenticateClient(form, authorization, authentication());
      return { status: 200, body: await grant(client, form) };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      // RFC 6749 §5.2: a 401 names the HTTP authentication scheme the endpoint takes.
      return errorReply(error, error.status === 401 ? { "WWW-Authenticate": basicChallenge(config.issuer) } : undefined);
    }
  }

  /** An access token this server issued for its FHIR endpoint and that has not expired, or why not. */
  async function checkAccessToken(token: string): Promise<AccessTokenCheck> {
    const claims = await readServerToken(config.serverKey, "access", token, bound(config.fhirBase));
    if (!claims) return { problem: "the access token was not issued by this server for this FHIR endpoint, or was altered" };
    if ((claims.exp ?? 0) <= config.now()) return { problem: "the access token has expired" };
    return { claims };
  }

  /** The claims of an active access token of this server, or undefined. */
  async function activeAccessToken(token: string): Promise<jose.JWTPayload | undefined> {
    const check = await checkAccessToken(token);
    return "claims" in check ? check.claims : undefined;
  }

  /**
   * POST introspect (RFC 7662 with the SMART fields). Who may ask: a confidential client with its
   * own credentials (as at the token endpoint), or any caller holding an active access token of
   * this server as a bearer token, as the spec's page allows.
   */
  async function introspect(form: URLSearchParams, authorization: string | undefined): Promise<Reply> {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    const realm = `realm="${config.issuer}"`;
    if (bearer !== undefined) {
      const check = await checkAccessToken(bearer);
      if ("problem" in check) {
        const error = new OAuthError("invalid_token", check.problem);
        return errorReply(error, { "WWW-Authenticate": `Bearer ${realm}, error="invalid_token", error_description="${check.problem}"` });
      }
    } else if (hasClientCredentials(form, authorization)) {
      try {
        const client = await authenticateClient(form, authorization, authentication());
        if (client.authentication.method === "none") throw new OAuthError("invalid_client", "a public client cannot introspect tokens");
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        return errorReply(error, { "WWW-Authenticate": basicChallenge(config.issuer) });
      }
    } else {
      // RFC 6750 §3.1: a request without credentials gets a challenge and no error code.
      return { status: 401, headers: { "WWW-Authenticate": `Bearer ${realm}` } };
    }
    const repeated = repeatedParameter(form);
    if (repeated) return errorReply(new OAuthError("invalid_request", `${repeated} is given more than once`));
    const token = form.get("token");
    if (token === null) return errorReply(new OAuthError("invalid_request", "token is missing"));
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
    if (scopeList(String(claims.scope)).includes("openid")) Object.assign(body, { iss: claims.iss, sub: claims.sub });
    if (claims.fhirUser !== undefined) body.fhirUser = claims.fhirUser;
    return { status: 200, body };
  }

  return { authorize, token, introspect, checkAccessToken, activeAccessToken };
}

export type AuthorizationServer = ReturnType<typeof createAuthorizationServer>;
