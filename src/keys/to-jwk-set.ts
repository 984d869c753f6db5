import type { JSONWebKeySet, JWK } from "jose";
import type { GeneratedKeyPair } from "./generate.js";
import { keyId } from "./kid.js";
import { orderMembers } from "./member-order.js";
import { publicMembers } from "./public-members.js";

export interface KeySetFiles {
  /** Public key (key_ops ["verify"]) then private key (key_ops ["sign"]), as the signer keeps them. */
  privateSet: JSONWebKeySet;
  /** Only the public key: what a client registers with a server. */
  publicSet: JSONWebKeySet;
}

/** The two JWK sets of one key pair, each key with kty, alg, kid and ext: true. */
export async function toJwkSets(pair: GeneratedKeyPair): Promise<KeySetFiles> {
  const publicJwk = publicMembers(pair.publicJwk);
  const kid = await keyId(publicJwk);
  const entry = (jwk: JWK, op: "sign" | "verify"): JWK =>
    orderMembers({ ...jwk, alg: pair.alg, key_ops: [op], ext: true, kid });
  const verifyKey = entry(publicJwk, "verify");
  return {
    privateSet: { keys: [verifyKey, entry(pair.privateJwk, "sign")] },
    publicSet: { keys: [verifyKey] },
  };
}
