"""The rooms API's two levels of authorization (Eyeson's): the team's API
key in the ``Authorization`` header, for creating rooms and webhooks and
force-stopping; a user's ``access_key`` in the path, for everything done in
a running meeting (410 GONE once it was shut down)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from app.api.parsing import request_tenant
from app.errors import Forbidden, NotFound
from app.modules.api_keys.operations import key_fits
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.meetings.passes import pass_holder
from app.modules.tenants.models import Tenant

BAD_KEY = "Invalid or missing API key"
NO_ACCESS_KEY = "Unknown access key"
MAX_KEY = 200


def api_key() -> str | None:
    """The API key the request sends (``Authorization: <key>``, as Eyeson's
    clients do; ``Bearer <key>`` too)."""
    value = request.headers.get("Authorization", "").strip()
    scheme, _, rest = value.partition(" ")
    return (rest.strip() if scheme.lower() == "bearer" else value) or None


def require_api_key() -> Tenant:
    """The request's company, once its API key is proven: 403 without a key,
    with a wrong or revoked one, or with another company's (as unknown)."""
    tenant = request_tenant()
    key = api_key()
    if key is None or len(key) > MAX_KEY or not key_fits(tenant, key):
        raise Forbidden(BAD_KEY)
    return tenant


@dataclass(frozen=True)
class RoomUser:
    """Who an access key stands for: the participant, in its running session."""

    tenant: Tenant
    access_key: str
    participant: Participant
    session: MeetingSession


def room_user(access_key: str) -> RoomUser:
    """The user and running session of ``access_key`` on the request's
    company: 404 for a key nobody has here, 410 once the meeting was shut
    down, 403 once the user was kicked."""
    tenant = request_tenant()
    if not (0 < len(access_key) <= MAX_KEY and access_key.isascii()):
        raise NotFound(NO_ACCESS_KEY)
    try:
        participant, session = pass_holder(tenant, access_key)
    except NotFound as exc:
        raise NotFound(NO_ACCESS_KEY) from exc
    return RoomUser(tenant, access_key, participant, session)
