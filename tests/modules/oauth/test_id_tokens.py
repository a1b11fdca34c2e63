"""The ID token checks of an OpenID Connect login, one forged or spoiled
token at a time: only a token signed by the provider's key, for this
client, from this issuer, unexpired and with this login's nonce passes.
(The flow with a real provider is tests/web/test_openid.py.)"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from app.errors import Unauthorized
from app.modules.oauth import openid

ISSUER = "https://login.example.test"
CLIENT_ID = "confera-client"
NONCE = "the-nonce-of-this-login"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})


@pytest.fixture(scope="module")
def jwks_uri() -> Iterator[str]:
    """The provider's JWKS on loopback."""
    body = json.dumps({"keys": [KEY.as_dict(private=False)]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks"
    server.shutdown()
    server.server_close()


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "subject-1", "aud": CLIENT_ID, "iat": now,
              "exp": now + 300, "nonce": NONCE}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _signed(claims: dict[str, Any], key: Any = KEY, alg: str = "RS256",
            kid: str | None = "k1") -> str:
    header = {"alg": alg, **({"kid": kid} if kid else {})}
    return jwt.encode(header, claims, key, algorithms=[alg])


CASES = [
    ("a good token", lambda: _signed(_claims()), True),
    ("aud a list with us", lambda: _signed(_claims(aud=[CLIENT_ID])), True),
    ("another issuer", lambda: _signed(_claims(iss="https://evil.example")), False),
    ("another audience", lambda: _signed(_claims(aud="someone-else")), False),
    ("another audience, azp us", lambda: _signed(_claims(aud="someone-else",
                                                          azp=CLIENT_ID)), False),
    ("no audience", lambda: _signed(_claims(aud=None)), False),
    ("expired", lambda: _signed(_claims(exp=int(time.time()) - 120)), False),
    ("no expiry", lambda: _signed(_claims(exp=None)), False),
    ("another nonce", lambda: _signed(_claims(nonce="replayed")), False),
    ("no nonce", lambda: _signed(_claims(nonce=None)), False),
    ("no subject", lambda: _signed(_claims(sub=None)), False),
    ("signed by another key", lambda: _signed(_claims(), key=OTHER_KEY), False),
    ("an unknown key id", lambda: _signed(_claims(), key=OTHER_KEY, kid="k9"), False),
    ("HS256 with the client secret",
     lambda: _signed(_claims(), key=OctKey.import_key(b"s" * 32), alg="HS256", kid=None),
     False),
    ("not a JWT", lambda: "not.a.jwt", False),
]


@pytest.mark.parametrize(("case", "token", "accepted"), CASES, ids=[c[0] for c in CASES])
def test_id_token(ctx, jwks_uri, case, token, accepted):
    openid.forget_providers()
    provider = openid.Provider(ISSUER, CLIENT_ID, "s" * 32, {
        "jwks_uri": jwks_uri, "id_token_signing_alg_values_supported": ["RS256", "HS256"]})
    answer = {"id_token": token(), "access_token": "at"}
    if accepted:
        assert openid._verified_claims(provider, answer, NONCE)["sub"] == "subject-1"
    else:
        with pytest.raises(Unauthorized):
            openid._verified_claims(provider, answer, NONCE)


def test_a_provider_that_signs_with_symmetric_keys_only_is_refused(ctx, jwks_uri):
    provider = openid.Provider(ISSUER, CLIENT_ID, "s" * 32, {
        "jwks_uri": jwks_uri, "id_token_signing_alg_values_supported": ["HS256"]})
    with pytest.raises(Unauthorized):
        openid._verified_claims(provider, {"id_token": _signed(_claims())}, NONCE)
