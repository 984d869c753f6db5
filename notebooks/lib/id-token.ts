// An ID token validated the way the spec tells a client to ("Steps for using an ID token",
// scopes-and-launch-context.md): read its issuer, GET {issuer}/.well-known/openid-configuration,
// follow jwks_uri, verify the signature with the key found there, then iss, aud and exp (OpenID
// Connect Core §3.1.3.7), and read fhirUser.
import * as jose from "jose";
import { jsonBody, send, type HttpRequest } from "./client";
import type { SmartServer } from "./server";

export interface IdTokenValidation {
  /** What was done, one line per step, for the page to print. */
  steps: string[];
  claims: jose.JWTPayload;
}

/** Validates `idToken` for the client `clientId` at the server's clock; throws naming the step that fails. */
export async function validateIdToken(server: SmartServer, idToken: string, clientId: string): Promise<IdTokenValidation> {
  const steps: string[] = [];
  const issuer = jose.decodeJwt(idToken).iss;
  if (typeof issuer !== "string") throw new Error("step 1: the ID token has no iss");
  steps.push(`1. issuer (iss, not yet trusted): ${issuer}`);

  const configurationRequest: HttpRequest = { method: "GET", url: `${issuer}/.well-known/openid-configuration` };
  const configuration = jsonBody(await send(server, configurationRequest));
  if (configuration.issuer !== issuer) throw new Error(`step 2: the configuration names issuer ${String(configuration.issuer)}`);
  const jwksUri = String(configuration.jwks_uri);
  const algorithms = configuration.id_token_signing_alg_values_supported as string[];
  steps.push(`2. GET ${configurationRequest.url}\n   jwks_uri: ${jwksUri}\n   id_token_signing_alg_values_supported: ${algorithms.join(", ")}`);

  const jwks = jsonBody(await send(server, { method: "GET", url: jwksUri })) as unknown as jose.JSONWebKeySet;
  steps.push(`3. GET ${jwksUri}\n   keys: ${jwks.keys.map((k) => `${String(k.kid)} (${k.alg ?? k.kty ?? "?"})`).join(", ")}`);

  const { payload, protectedHeader } = await jose.jwtVerify(idToken, jose.createLocalJWKSet(jwks), {
    algorithms,
    issuer,
    audience: clientId,
    requiredClaims: ["sub", "iat", "exp"],
    // The page's server keeps its own clock; the token is checked at that time.
    currentDate: new Date(server.now() * 1000),
  });
  const at = (seconds: number | undefined): string => new Date((seconds ?? 0) * 1000).toISOString();
  steps.push(
    `4. signature verifies with kid ${String(protectedHeader.kid)} (${protectedHeader.alg})\n` +
      `   iss = ${issuer}\n   aud = ${clientId}\n   exp ${at(payload.exp)} is after the server's clock ${at(server.now())}`,
  );
  steps.push(`5. fhirUser: ${typeof payload.fhirUser === "string" ? payload.fhirUser : "(none: fhirUser was not granted)"}`);
  return { steps, claims: payload };
}

/** Validates the ID token and prints each step. */
export async function showIdTokenValidation(server: SmartServer, idToken: string, clientId: string): Promise<void> {
  const { steps } = await validateIdToken(server, idToken, clientId);
  console.log(steps.join("\n"));
}
