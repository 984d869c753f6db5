// Everything the server hands out is a JWT signed with its own keys: authorization codes, access
// and refresh tokens with the RS384 server key, ID tokens with the key of the algorithm the
// client registered (RS256 by default, as OpenID Connect and SMART expect). RSASSA-PKCS1-v1_5 is
// deterministic, so with a fixed clock and fixed ids a token is the same on every run, and it
// verifies with the server's public keys in keys/.
import * as fs from "node:fs";
import * as jose from "jose";

/** What a server token is for; kept in its "use" claim so one kind cannot pass for another. */
export type TokenUse = "code" | "access" | "refresh";

const TYP: Record<TokenUse, string> = { code: "JWT", access: "at+jwt", refresh: "JWT" };

/** The RSA signature algorithms the server signs with. */
export type RsaAlg = "RS256" | "RS384";

export interface ServerKey {
  kid: string;
  alg: RsaAlg;
  key: jose.CryptoKey | Uint8Array;
  publicKey: jose.CryptoKey | Uint8Array;
  /** The public key as a JWK, for the server's JWK set. */
  publicJwk: jose.JWK;
}

/** The signing key of a private JWK set file in the spec's shape (the entry whose key_ops allow "sign"). */
export async function readServerKey(file: string, alg: RsaAlg = "RS384"): Promise<ServerKey> {
  const set = JSON.parse(fs.readFileSync(file, "utf8")) as jose.JSONWebKeySet;
  const signing = set.keys.find((k) => k.key_ops?.includes("sign"));
  if (!signing?.kid) throw new Error(`${file}: no key with a kid and "sign" in its key_ops`);
  if (signing.kty !== "RSA") throw new Error(`${file}: the server signs with an RSA key, not ${String(signing.kty)}`);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicJwk } = signing;
  return {
    kid: signing.kid,
    alg,
    key: await jose.importJWK({ ...signing, alg }, alg),
    publicKey: await jose.importJWK({ ...publicJwk, alg }, alg),
    publicJwk,
  };
}

export async function signServerToken(
  serverKey: ServerKey,
  use: TokenUse,
  claims: jose.JWTPayload,
): Promise<string> {
  return new jose.SignJWT({ ...claims, use })
    .setProtectedHeader({ alg: serverKey.alg, kid: serverKey.kid, typ: TYP[use] })
    .sign(serverKey.key);
}

/** Who a token must have been issued by and for. */
export interface TokenBinding {
  issuer: string;
  audience: string;
}

/**
 * The claims of a token this server signed for `use`, issued by this server (iss) for `audience`
 * (aud), or undefined (not ours, another server's with the same key, tampered, other use).
 * Expiry is the caller's.
 */
export async function readServerToken(
  serverKey: ServerKey,
  use: TokenUse,
  token: string,
  binding: TokenBinding,
): Promise<jose.JWTPayload | undefined> {
  try {
    const { payload } = await jose.jwtVerify(token, serverKey.publicKey, {
      algorithms: [serverKey.alg],
      issuer: binding.issuer,
      audience: binding.audience,
      // The server's own clock decides expiry, not the machine's.
      currentDate: new Date(0),
    });
    return payload.use === use ? payload : undefined;
  } catch {
    return undefined;
  }
}
