import type { JWK } from "jose";

/**
 * Member order of the SMART App Launch example key files, per key type, so generated files
 * read like the published ones (RSA keys carry "alg" second, EC keys carry it last).
 */
const MEMBER_ORDER: Record<string, readonly string[]> = {
  RSA: ["kty", "alg", "n", "e", "d", "p", "q", "dp", "dq", "qi", "key_ops", "ext", "kid"],
  EC: ["kty", "crv", "d", "x", "y", "key_ops", "ext", "kid", "alg"],
};

/** A copy of `jwk` with its members in the published order; unknown members follow, as they came. */
export function orderMembers(jwk: JWK): JWK {
  const order = MEMBER_ORDER[jwk.kty ?? ""] ?? [];
  const source = jwk as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of order) if (name in source) out[name] = source[name];
  for (const [name, value] of Object.entries(source)) if (!(name in out)) out[name] = value;
  return out as JWK;
}
