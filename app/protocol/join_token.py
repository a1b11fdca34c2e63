"""Join tokens: what the web grants one participant of one session.

The web signs them with its ES256 private key; media nodes hold only the
public key. They are short-lived: a client asks the web for a new one to
reconnect. docs/signalling.md lists every claim for client authors (a test
keeps the list in step with ``sign``).
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field

import jwt

from app.protocol.signalling import MuteMode

ALGORITHM = "ES256"
ISSUER = "meeting-web"  # neutral: resellers white-label the platform
AUDIENCE = "media-node"
DEFAULT_TTL_SECONDS = 120
# In ``extra``: "1" when the participant was in the session before and is
# resuming (a locked session lets them back in).
RESUME_CLAIM = "resume"
# In ``extra``: "1" when the participant's microphone starts muted (a room's
# mute_on_start): the node holds it muted from its first packet.
MUTED_CLAIM = "muted"
# Clocks of the web and the nodes disagree a little: a token is accepted until
# this long after its exp, and its iat may be this far in the future.
LEEWAY_SECONDS = 5


class Role(enum.StrEnum):
    MODERATOR = "moderator"
    ATTENDEE = "attendee"
    GUEST = "guest"
    VIEWER = "viewer"
    RECORDER = "recorder"


class Permission(enum.StrEnum):
    PUBLISH_AUDIO = "publish_audio"
    PUBLISH_VIDEO = "publish_video"
    PUBLISH_SCREEN = "publish_screen"
    SUBSCRIBE = "subscribe"
    MODERATE = "moderate"
    HIDDEN = "hidden"  # not listed to others (the egress)
    CHAT_PUBLIC = "chat_public"  # send chat messages to everyone
    CHAT_PRIVATE = "chat_private"  # to one participant (to a moderator needs none)
    # Receive every camera; without it, only the moderators' (a room's
    # webcams_only_for_moderator). Screens reach every subscriber.
    SEE_ALL_CAMERAS = "see_all_cameras"


_TALK = frozenset({Permission.CHAT_PUBLIC, Permission.CHAT_PRIVATE})
DEFAULT_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MODERATOR: frozenset(Permission) - {Permission.HIDDEN},
    Role.ATTENDEE: frozenset({Permission.PUBLISH_AUDIO, Permission.PUBLISH_VIDEO,
                              Permission.PUBLISH_SCREEN, Permission.SUBSCRIBE,
                              Permission.SEE_ALL_CAMERAS}) | _TALK,
    Role.GUEST: frozenset({Permission.PUBLISH_AUDIO, Permission.PUBLISH_VIDEO,
                           Permission.SUBSCRIBE, Permission.SEE_ALL_CAMERAS}) | _TALK,
    Role.VIEWER: frozenset({Permission.SUBSCRIBE, Permission.SEE_ALL_CAMERAS}) | _TALK,
    Role.RECORDER: frozenset({Permission.SUBSCRIBE, Permission.HIDDEN,
                              Permission.SEE_ALL_CAMERAS}),
}


class InvalidJoinToken(Exception):
    """Forged, expired, malformed, or for another audience."""


@dataclass(frozen=True)
class JoinGrant:
    session_id: str
    participant_id: str
    display_name: str
    role: Role
    permissions: frozenset[Permission]
    node_id: str
    expires_at: int = 0  # unix seconds; set by ``sign``
    # The session's state when the token was signed; the node adopts it when
    # the session opens there (say, after another node died), and moderators
    # change it through the web.
    mute_mode: MuteMode = MuteMode.CONVERSATION
    locked: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # e.g. company, room

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def sign(grant: JoinGrant, private_key_pem: str, ttl_seconds: int = DEFAULT_TTL_SECONDS,
         now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER, "aud": AUDIENCE, "iat": issued, "exp": issued + ttl_seconds,
        "sub": grant.participant_id, "sid": grant.session_id, "node": grant.node_id,
        "name": grant.display_name, "role": grant.role.value,
        "perms": sorted(p.value for p in grant.permissions), "ext": grant.extra,
        "mute": grant.mute_mode.value, "locked": grant.locked,
    }
    return jwt.encode(claims, private_key_pem, algorithm=ALGORITHM)


def verify(token: str, public_key_pem: str, expired_for: int = 0) -> JoinGrant:
    """The grant in ``token``, or ``InvalidJoinToken`` saying why not.

    ``expired_for`` accepts a token that expired at most that many seconds
    ago: a moderator's token still proves who they are in the session after
    it is too old to join with."""
    try:
        claims = jwt.decode(
            token, public_key_pem, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
            leeway=LEEWAY_SECONDS + expired_for,
            options={"require": ["exp", "iat", "sub", "sid", "node", "role", "perms"]},
        )
        return JoinGrant(
            session_id=str(claims["sid"]), participant_id=str(claims["sub"]),
            display_name=str(claims.get("name", "")), role=Role(claims["role"]),
            permissions=frozenset(Permission(p) for p in claims["perms"]),
            node_id=str(claims["node"]), expires_at=int(claims["exp"]),
            mute_mode=MuteMode(claims.get("mute", MuteMode.CONVERSATION)),
            locked=claims.get("locked") is True,
            extra={str(k): str(v) for k, v in dict(claims.get("ext") or {}).items()},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidJoinToken("the join token has expired") from exc
    except (jwt.InvalidTokenError, ValueError, TypeError) as exc:
        raise InvalidJoinToken(f"invalid join token: {exc}") from exc
