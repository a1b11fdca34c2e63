"""What the rooms API answers, in Eyeson's shapes: the room document of a
user (POST /rooms, GET /rooms/<access_key>, POST /guests), a room's summary
(GET /rooms) and a user's details.

The media controls (recording, broadcasts, snapshots, playbacks ...) add
their part of the room document with ``register_state``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.api.rooms.auth import RoomUser
from app.api.rooms.guest_tokens import guest_token
from app.api.rooms.options import options_of
from app.api.rooms.urls import GUEST_PAGE, api_url
from app.extensions import settings
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.operations import JoinTicket
from app.modules.meetings.passes import PASS_PATH
from app.modules.tenants.operations import company_url

# Each gives fields of the room document from the user's running meeting.
StateProvider = Callable[[RoomUser], dict[str, Any]]
_STATE: list[StateProvider] = []


def register_state(provider: StateProvider) -> None:
    """Add ``provider``'s fields to every room document (over the empty defaults)."""
    _STATE.append(provider)


def timestamp(value: datetime | None) -> str | None:
    """Eyeson's time format: UTC, milliseconds, ``Z``."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def room_ready(session: MeetingSession) -> bool:
    """Placed on a media node and running: ready to be joined."""
    return session.ended_at is None and session.media_node_id is not None


def room_summary(room: Room, session: MeetingSession) -> dict[str, Any]:
    available = options_of(room)["guest_token_available"]
    return {
        "id": room.external_id,
        "name": room.title,
        "ready": room_ready(session),
        "started_at": timestamp(session.started_at),
        "shutdown": session.ended_at is not None,
        "guest_token": guest_token(session) if available else None,
    }


def user_id(participant: Participant) -> str:
    """The user's id in this API: the client's ``user[id]``, else ours."""
    return participant.external_user_id or participant.public_id


def user_document(participant: Participant, room: Room, ready: bool) -> dict[str, Any]:
    return {
        "id": user_id(participant),
        "room_id": room.external_id,
        "name": participant.display_name,
        "avatar": participant.avatar_url,
        "guest": participant.guest,
        "blocked": participant.removed_at is not None,
        "ready": ready and participant.removed_at is None,
    }


def user_details(participant: Participant) -> dict[str, Any]:
    """GET /rooms/<access_key>/users[/<id>]: one user."""
    return {
        "id": user_id(participant),
        "name": participant.display_name,
        "avatar": participant.avatar_url,
        "guest": participant.guest,
        "joined_at": timestamp(participant.joined_at),
    }


def room_document(user: RoomUser, ticket: JoinTicket | None) -> dict[str, Any]:
    """The whole state of ``user``'s meeting, with what a client needs to
    join it: the meeting page (``links.gui``) or, for its own media client,
    ``signaling`` (the node's WebSocket and a join token, docs/signalling.md)."""
    room, session, participant = user.session.room, user.session, user.participant
    summary = room_summary(room, session)
    ready = summary["ready"]
    document: dict[str, Any] = {
        "access_key": user.access_key,
        "ready": ready and participant.removed_at is None,
        "locked": session.locked,
        "room": summary,
        "team": {"name": user.tenant.name},
        "user": user_document(participant, room, ready),
        "links": _links(user, summary["guest_token"], ticket),
        "options": options_of(room),
        "playbacks": [],
        "presentation": None,
        "broadcasts": [],
        "recording": None,
        "snapshots": [],
        "waiting_list": [],
        "signaling": _signaling(user, ticket),
    }
    for provider in _STATE:
        document.update(provider(user))
    return document


def _links(user: RoomUser, token: str | None, ticket: JoinTicket | None) -> dict[str, Any]:
    tenant, key = user.tenant, user.access_key
    return {
        "self": api_url(tenant, f"/rooms/{key}"),
        "gui": company_url(tenant, PASS_PATH + key),
        "guest_join": company_url(tenant, f"{GUEST_PAGE}?guest={token}") if token else None,
        "websocket": ticket.node_url if ticket else None,
    }


def _signaling(user: RoomUser, ticket: JoinTicket | None) -> dict[str, Any]:
    servers = ticket.ice_servers if ticket else list(settings().ice_servers)
    stun = [url for url in servers if url.startswith("stun")]
    turn = [url for url in servers if url.startswith("turn")]
    return {
        "type": "confera",
        "options": {
            "client_id": user.participant.public_id,
            "conf_id": user.session.public_id,
            "auth_token": ticket.token if ticket else None,
            "auth_token_expires_at": ticket.expires_at if ticket else None,
            "endpoint": ticket.node_url if ticket else None,
            "join_url": company_url(user.tenant, f"/api/v1/passes/{user.access_key}/join"),
            "stun_servers": stun,
            "turn_servers": [{"urls": turn}] if turn else [],
        },
    }
