"""Guest tokens: a signed value naming a company's running session, so that
anyone holding it may add guests to that session (POST /guests/<token>).
Nothing is stored: the signature (SECRET_KEY) is the proof, and the token
dies with its session."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from app.errors import Gone, NotFound
from app.extensions import settings
from app.modules.meetings.integration import find_session
from app.modules.meetings.models import MeetingSession
from app.modules.tenants.models import Tenant

SALT = "confera.rooms-api.guest-token"
NO_TOKEN = "Unknown guest token"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(settings().secret_key, salt=SALT)


def guest_token(session: MeetingSession) -> str:
    """The session's guest token (the same every time it is asked for)."""
    return str(_serializer().dumps([session.company_id, session.public_id]))


def guest_session(company: Tenant, token: str) -> MeetingSession:
    """The running session ``token`` names on ``company``: 404 for a token
    that is not one (or another company's), 410 once the session ended."""
    try:
        company_id, public_id = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError) as exc:
        raise NotFound(NO_TOKEN) from exc
    session = find_session(company, public_id) if company_id == company.id else None
    if session is None:
        raise NotFound(NO_TOKEN)
    if session.ended_at is not None:
        raise Gone("The meeting has ended")
    return session
