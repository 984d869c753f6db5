"""A SMART app written with Debian's python3-authlib, driven by test/e2e/smart-conformance.test.ts.

argv[1] is a JSON object: {"flow": ..., "issuer": ..., "client_id": ..., ...}. The app discovers the
server from {issuer}/.well-known/openid-configuration, runs the flow with authlib's defaults, and
prints one JSON object: what the test checks. A failure prints {"error": ...} and exits 1.

AUTHLIB_INSECURE_TRANSPORT is set by the test: the server listens on http://127.0.0.1 (tests bind
to loopback only), and authlib refuses plain http by default. That is transport, not protocol.
"""
import json
import sys
import time

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken


def discover(issuer):
    return requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()


def authorize(session, meta, args, verifier, nonce):
    url, state = session.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce, aud=args["aud"])
    # The user's approval is simulated by the server: authorize answers with the redirect at once.
    reply = requests.get(url, allow_redirects=False, timeout=10)
    return reply.headers["Location"], state


def validate_id_token(id_token, meta, client_id, nonce):
    # OpenID Connect validation with authlib's own ID token rules: keys from jwks_uri, iss, aud, exp, nonce.
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = jwt.decode(id_token, keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
                        claims_params={"nonce": nonce, "client_id": client_id})
    claims.validate()
    return dict(claims)


def session_for(args, meta):
    auth = args.get("auth", "none")
    common = dict(redirect_uri=args["redirect_uri"], scope=args["scope"], code_challenge_method="S256")
    if auth == "none":
        # A public client: it registered token_endpoint_auth_method "none" (no credentials).
        return OAuth2Session(args["client_id"], token_endpoint_auth_method="none", **common)
    if auth == "client_secret_basic":
        # authlib's default method is client_secret_basic, which SMART requires.
        return OAuth2Session(args["client_id"], args["client_secret"], **common)
    if auth == "private_key_jwt":
        session = OAuth2Session(args["client_id"], {"keys": [args["private_jwk"]]},
                                token_endpoint_auth_method="private_key_jwt", **common)
        register_assertion(session, meta)
        return session
    raise ValueError("unknown auth " + auth)


def register_assertion(session, meta):
    # SMART's assertion rules where authlib's defaults differ: alg RS384 or ES384 (authlib: RS256)
    # and exp at most five minutes ahead (authlib: an hour). authlib already sets typ JWT and aud =
    # the token endpoint. A new instance per request: authlib stores the jti in the claims it is given.
    session.register_client_auth_method(PrivateKeyJWT(
        meta["token_endpoint"], claims={"exp": int(time.time()) + 300}, alg=session.client_secret["keys"][0]["alg"]))


def main():
    args = json.loads(sys.argv[1])
    meta = discover(args["issuer"])
    session = session_for(args, meta)
    verifier = "v" * 20 + "erifier-of-forty-three-chars-x"
    nonce = "n-0S6_WzA2Mj"
    location, state = authorize(session, meta, args, verifier, nonce)
    token = session.fetch_token(meta["token_endpoint"], authorization_response=location,
                                code_verifier=verifier, state=state)
    out = {"token": dict(token)}
    if "id_token" in token:
        out["id_claims"] = validate_id_token(token["id_token"], meta, args["client_id"], nonce)
    fhir = session.get(args["aud"] + "/Patient/" + token["patient"], timeout=10)
    out["fhir_status"] = fhir.status_code
    if args.get("refresh"):
        if args.get("auth") == "private_key_jwt":
            register_assertion(session, meta)
        out["refreshed"] = dict(session.refresh_token(meta["token_endpoint"]))
    if args.get("introspect"):
        if args.get("auth") == "private_key_jwt":
            register_assertion(session, meta)
        reply = session.introspect_token(meta["introspection_endpoint"], token=token["access_token"])
        out["introspection"] = {"status": reply.status_code, "body": reply.json()}
    print(json.dumps(out))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 -- the test prints whatever went wrong
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        sys.exit(1)
