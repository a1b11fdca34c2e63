"""Guests: POST /guests/<guest_token> lets a guest into the token's running
meeting (423 once it is locked)."""

from __future__ import annotations

from flask import Response, jsonify

from app.api.parsing import request_tenant
from app.api.rooms import bp
from app.api.rooms.auth import RoomUser
from app.api.rooms.documents import room_document
from app.api.rooms.errors import RoomLocked
from app.api.rooms.guest_tokens import NO_TOKEN, guest_session
from app.api.rooms.options import require_available
from app.api.rooms.params import load_params
from app.api.rooms.schemas import guest_schema
from app.errors import NotFound
from app.extensions import db
from app.modules.meetings.operations import issue_ticket, place_session
from app.modules.meetings.passes import issue_pass
from app.protocol.join_token import Role

MAX_TOKEN = 200


@bp.post("/guests/<token>")
def create_guest(token: str) -> tuple[Response, int]:
    """A guest of the meeting, with an access key: the room document."""
    tenant = request_tenant()
    if len(token) > MAX_TOKEN:
        raise NotFound(NO_TOKEN)
    session = guest_session(tenant, token)
    require_available(session.room, "guest_token_available")
    data = load_params(guest_schema)
    if session.locked:  # only those in it stay; nobody new comes in
        raise RoomLocked("The meeting is locked: no new guests can join")
    node = place_session(tenant, session)
    given = issue_pass(tenant, session, data["name"].strip(), Role.GUEST,
                       external_user_id=data.get("id"), avatar_url=data.get("avatar"),
                       user_data={"custom_fields": data["custom_fields"]}, guest=True)
    ticket = issue_ticket(tenant, session, node, given.participant)
    document = room_document(RoomUser(tenant, given.key, given.participant, session), ticket)
    db.session.commit()
    return jsonify(document), 201
