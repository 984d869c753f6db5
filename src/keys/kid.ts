import { calculateJwkThumbprint, type JWK } from "jose";

/** The key id: the RFC 7638 SHA-256 thumbprint, so it follows from the key itself. */
export function keyId(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, "sha256");
}
