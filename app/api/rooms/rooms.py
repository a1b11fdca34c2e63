"""Rooms: POST /rooms (start or join a meeting), GET /rooms (running
meetings), GET and DELETE /rooms/<access_key>, DELETE /rooms/<room_id> with
the API key (force stop). An Eyeson room is an integration room of the
``rooms`` namespace; its meeting is the room's running session."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import RoomUser, api_key, require_api_key, room_user
from app.api.rooms.documents import room_document, room_summary
from app.api.rooms.options import eyeson_options, room_columns
from app.api.rooms.params import load_params
from app.api.rooms.schemas import page_schema, room_create_schema
from app.errors import NotFound
from app.extensions import db
from app.modules.meetings import commands, outbox
from app.modules.meetings.integration import (
    current_session,
    find_integration_room,
    integration_room,
    running_sessions,
    update_integration_room,
)
from app.modules.meetings.models import MeetingSession, Room
from app.modules.meetings.operations import issue_ticket, place_session, running_session
from app.modules.meetings.passes import issue_pass
from app.modules.tenants.models import Tenant
from app.protocol.join_token import Role

NAMESPACE = "rooms"
PER_PAGE = 25  # Eyeson's page size
NO_MEETING = "No running meeting in this room"


@bp.post("/rooms")
def create_room() -> tuple[Response, int]:
    """Start the meeting of room ``id`` (a new room without one), or join
    the running one: a new user, moderator of it, with an access key."""
    tenant = require_api_key()
    data = load_params(room_create_schema)
    room = _room(tenant, data)
    session = running_session(tenant, room)
    # Placing locks the session row before the participant's insert (join_room).
    node = place_session(tenant, session)
    user = data["user"]
    given = issue_pass(tenant, session, user["name"].strip(), Role.MODERATOR,
                       external_user_id=user.get("id"), avatar_url=user.get("avatar"),
                       user_data={"custom_fields": user["custom_fields"]})
    ticket = issue_ticket(tenant, session, node, given.participant)
    document = room_document(RoomUser(tenant, given.key, given.participant, session), ticket)
    db.session.commit()
    return jsonify(document), 201


def _room(tenant: Tenant, data: dict[str, Any]) -> Room:
    """The room ``id`` (random when none), made with ``options``; an idle
    room takes the options given for its next meeting, a running one keeps
    those it started with (Eyeson applies most only at startup)."""
    columns = room_columns(eyeson_options(data["options"]))
    external_id = data.get("id") or secrets.token_hex(12)
    room, made = integration_room(tenant, NAMESPACE, external_id, title=data.get("name"),
                                  **columns)
    if not made and current_session(tenant, room) is None:
        update_integration_room(tenant, room, **columns)
    return room


@bp.get("/rooms/<access_key>")
def get_room(access_key: str) -> Response:
    """The user's meeting, with a fresh join token in ``signaling``."""
    user = room_user(access_key)
    node = place_session(user.tenant, user.session)
    ticket = issue_ticket(user.tenant, user.session, node, user.participant,
                          resuming=user.participant.joined_at is not None)
    document = room_document(user, ticket)
    db.session.commit()
    return jsonify(document)


@bp.get("/rooms")
def list_rooms() -> Response:
    """The company's running meetings of this API, 25 a page, ``page`` from 0."""
    tenant = require_api_key()
    page = load_params(page_schema)["page"]
    sessions = running_sessions(tenant, NAMESPACE, page + 1, PER_PAGE)
    return jsonify([room_summary(session.room, session) for session in sessions.items])


@bp.delete("/rooms/<key>")
def delete_room(key: str) -> tuple[str, int]:
    """With the API key: force stop the meeting of room ``key``; without:
    the user of access key ``key`` ends their meeting."""
    if api_key() is not None:
        _force_stop(require_api_key(), key)
    else:
        user = room_user(key)
        commands.end(user.tenant, user.session.public_id, commands.AS_INTEGRATOR)
    db.session.commit()
    return "", 204


def _force_stop(tenant: Tenant, room_id: str) -> None:
    room = find_integration_room(tenant, NAMESPACE, room_id)
    session: MeetingSession | None = current_session(tenant, room) if room else None
    if session is None:
        raise NotFound(NO_MEETING)
    commands.end_session(tenant, session, outbox.ENDED_BY_API)
