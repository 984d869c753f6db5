/** The signature algorithms the SMART examples use, and the key each needs. */
export const KEY_ALGORITHMS = ["RS384", "ES384"] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** Smallest RSA modulus SMART servers accept for RS384. */
export const MIN_RSA_BITS = 2048;
