"""What docs/signalling.md promises about join tokens' times: a node accepts
a token until LEEWAY_SECONDS after its exp, and one signed up to that long in
its future (clocks disagree a little)."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.protocol.join_token import LEEWAY_SECONDS, InvalidJoinToken, JoinGrant, Role, sign, verify

KEY = ec.generate_private_key(ec.SECP256R1())
PRIVATE = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                       serialization.PublicFormat.SubjectPublicKeyInfo).decode()
GRANT = JoinGrant(session_id="s", participant_id="p", display_name="Ann", role=Role.ATTENDEE,
                  permissions=frozenset(), node_id="n")
TTL = 120


@pytest.mark.parametrize(("signed_ago", "accepted"), [
    (TTL + LEEWAY_SECONDS - 2, True),  # expired, within the leeway
    (TTL + LEEWAY_SECONDS + 2, False),
    (-(LEEWAY_SECONDS - 2), True),  # signed by a clock a little ahead
    (-(LEEWAY_SECONDS + 2), False),
])
def test_a_token_is_accepted_within_the_leeway_only(signed_ago: int, accepted: bool):
    token = sign(GRANT, PRIVATE, ttl_seconds=TTL, now=time.time() - signed_ago)
    if accepted:
        assert verify(token, PUBLIC).participant_id == "p"
    else:
        with pytest.raises(InvalidJoinToken):
            verify(token, PUBLIC)
