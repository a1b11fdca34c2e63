"""The key that signs join tokens: derived from SECRET_KEY, so every web
replica agrees with nothing stored, unless JOIN_TOKEN_PRIVATE_KEY names one."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.config import ConfigError, Settings
from app.core.security import join_token_keys
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign, verify

SECRET = "a-secret-key-of-sufficient-length"
GRANT = JoinGrant(session_id="s", participant_id="p", display_name="Ann", role=Role.ATTENDEE,
                  permissions=DEFAULT_PERMISSIONS[Role.ATTENDEE], node_id="n")


def pem(curve: ec.EllipticCurve) -> str:
    key = ec.generate_private_key(curve)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_the_derived_key_is_the_same_for_a_secret_and_differs_between_secrets():
    join_token_keys.cache_clear()  # derive again, as another replica would
    private, public = join_token_keys(SECRET)
    join_token_keys.cache_clear()
    assert join_token_keys(SECRET) == (private, public)
    assert join_token_keys(SECRET + "!")[1] != public
    assert verify(sign(GRANT, private), public).session_id == "s"


def test_a_configured_key_replaces_the_derived_one():
    configured = pem(ec.SECP256R1())
    private, public = join_token_keys(SECRET, configured)
    assert private == configured and public != join_token_keys(SECRET)[1]
    assert verify(sign(GRANT, configured), public).participant_id == "p"


def test_a_configured_key_on_one_line_is_accepted():
    configured = pem(ec.SECP256R1())
    settings = Settings.from_env(environ={
        "SECRET_KEY": SECRET, "MEDIA_NODE_SECRET": SECRET,
        "JOIN_TOKEN_PRIVATE_KEY": configured.replace("\n", "\\n")})
    assert settings.join_token_private_key == configured


@pytest.mark.parametrize(("key", "message"), [
    ("not a pem", "JOIN_TOKEN_PRIVATE_KEY"),
    (pem(ec.SECP384R1()), "P-256"),
])
def test_a_bad_configured_key_stops_the_start(key, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(environ={"SECRET_KEY": SECRET, "MEDIA_NODE_SECRET": SECRET,
                                   "JOIN_TOKEN_PRIVATE_KEY": key})
