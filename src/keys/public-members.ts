import type { JWK } from "jose";

/** JWK members that hold private key material (RFC 7518 section 6). */
export const PRIVATE_MEMBERS: readonly string[] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** A copy of `jwk` without its private members. */
export function publicMembers(jwk: JWK): JWK {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(jwk)) if (!PRIVATE_MEMBERS.includes(name)) out[name] = value;
  return out as JWK;
}
