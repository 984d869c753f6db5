/** Tag for cells whose outputs show tokens on purpose that do not verify (e.g. a tampered one). */
export const UNVERIFIED_TOKEN_TAG = "unverified-token";
