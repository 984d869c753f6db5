import type { JSONWebKeySet } from "jose";

/** A JWK set as file text, laid out like the published example files (4-space indent, final newline). */
export function formatJwkSet(set: JSONWebKeySet): string {
  return JSON.stringify(set, null, 4) + "\n";
}
