import { exportJWK, generateKeyPair, type JWK } from "jose";
import { MIN_RSA_BITS, type KeyAlgorithm } from "./algorithms.js";

export interface GeneratedKeyPair {
  alg: KeyAlgorithm;
  publicJwk: JWK;
  privateJwk: JWK;
}

export interface GenerateOptions {
  /** RSA modulus length; ignored for EC keys. */
  rsaBits?: number;
}

/** A fresh key pair for `alg` (RSA for RS384, P-384 for ES384), exported as bare JWKs. */
export async function generateKeyPairJwk(alg: KeyAlgorithm, options: GenerateOptions = {}): Promise<GeneratedKeyPair> {
  const rsaBits = options.rsaBits ?? MIN_RSA_BITS;
  if (alg === "RS384" && (!Number.isInteger(rsaBits) || rsaBits < MIN_RSA_BITS)) {
    throw new RangeError(`RSA key size must be an integer of at least ${MIN_RSA_BITS} bits, got ${rsaBits}`);
  }
  const pair = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "RS384" ? { modulusLength: rsaBits } : {}),
  });
  return {
    alg,
    publicJwk: await exportJWK(pair.publicKey),
    privateJwk: await exportJWK(pair.privateKey),
  };
}
