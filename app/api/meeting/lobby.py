"""GET /api/v1/sessions/<session_id>/lobby: the guests waiting for a
moderator to let them in (a room whose guest_policy is ask_moderator), for a
moderator of the meeting (join token as ``Authorization: Bearer``); the
``admit`` action (moderation.py) lets one in or turns them away."""

from __future__ import annotations

from flask import Response, jsonify
from marshmallow import Schema, fields

from app.api.meeting import bp
from app.api.parsing import pop_token, request_tenant
from app.core.inputs import path_id
from app.modules.meetings.commands import NO_SESSION, lobby


class WaitingGuestSchema(Schema):
    participant_id = fields.String(attribute="public_id")
    display_name = fields.String()
    waiting_since = fields.DateTime(attribute="created_at")


class LobbySchema(Schema):
    waiting = fields.List(fields.Nested(WaitingGuestSchema))


lobby_schema = LobbySchema()


@bp.get("/sessions/<session_id>/lobby")
def list_lobby(session_id: str) -> Response:
    tenant = request_tenant()
    path_id(session_id, NO_SESSION)
    return jsonify(lobby_schema.dump({"waiting": lobby(tenant, session_id, pop_token({}))}))
