// Everything the server hands out is a JWT signed RS384 with its own key: authorization codes,
// access tokens, refresh tokens and ID tokens. RSASSA-PKCS1-v1_5 is deterministic, so with a
// fixed clock and fixed ids a token is the same on every run, and it verifies with the server's
// public key in keys/.
import * as fs from "node:fs";
import * as jose from "jose";

/** What a server token is for; kept in its "use" claim so one kind cannot pass for another. */
export type TokenUse = "code" | "access" | "refresh";

const TYP: Record<TokenUse, string> = { code: "JWT", access: "at+jwt", refresh: "JWT" };

export interface ServerKey {
  kid: string;
  key: jose.CryptoKey | Uint8Array;
  publicKey: jose.CryptoKey | Uint8Array;
  /** The public key as a JWK, for the server's JWK set. */
  publicJwk: jose.JWK;
}

/** The signing key of a private JWK set file in the spec's shape (the entry whose key_ops allow "sign"). */
export async function readServerKey(file: string): Promise<ServerKey> {
  const set = JSON.parse(fs.readFileSync(file, "utf8")) as jose.JSONWebKeySet;
  const signing = set.keys.find((k) => k.key_ops?.includes("sign"));
  if (!signing?.kid) throw new Error(`${file}: no key with a kid and "sign" in its key_ops`);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, key_ops: _ops, ...publicJwk } = signing;
  return {
    kid: signing.kid,
    key: await jose.importJWK(signing, "RS384"),
    publicKey: await jose.importJWK(publicJwk, "RS384"),
    publicJwk,
  };
}

export async function signServerToken(
  serverKey: ServerKey,
  use: TokenUse,
  claims: jose.JWTPayload,
): Promise<string> {
  return new jose.SignJWT({ ...claims, use })
    .setProtectedHeader({ alg: "RS384", kid: serverKey.kid, typ: TYP[use] })
    .sign(serverKey.key);
}

/** The claims of a token this server signed for `use`, or undefined (not ours, tampered, other use). Expiry is the caller's. */
export async function readServerToken(
  serverKey: ServerKey,
  use: TokenUse,
  token: string,
): Promise<jose.JWTPayload | undefined> {
  try {
    const { payload } = await jose.jwtVerify(token, serverKey.publicKey, {
      algorithms: ["RS384"],
      // The server's own clock decides expiry, not the machine's.
      currentDate: new Date(0),
    });
    return payload.use === use ? payload : undefined;
  } catch {
    return undefined;
  }
}
