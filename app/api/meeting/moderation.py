"""POST /api/v1/sessions/<session_id>/<action>: what a moderator does to a
meeting (kick, mute, mute_all, lock, unlock, end, mute_mode, allow_speak),
proven by their join token (``Authorization: Bearer``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields, validate

from app.api.enterprise.endpoint import json_body, load, pop_token, request_tenant
from app.api.meeting import bp
from app.core.schemas import StrictSchema
from app.errors import NotFound
from app.extensions import db
from app.modules.meetings.operations import moderate
from app.modules.settings.schemas import MuteModeField
from app.protocol import node_api
from app.protocol.messages import Message


class ParticipantSchema(StrictSchema):
    participant_id = fields.String(required=True, validate=validate.Length(1, 64))


class NothingSchema(StrictSchema):
    pass


class MuteModeSchema(StrictSchema):
    mode = MuteModeField(required=True)


class AllowSpeakSchema(ParticipantSchema):
    allowed = fields.Boolean(load_default=True)


Build = Callable[[str, dict[str, Any]], Message]
ACTIONS: dict[str, tuple[Schema, Build]] = {
    "kick": (ParticipantSchema(), lambda sid, d: node_api.Kick(
        session_id=sid, participant_id=d["participant_id"])),
    "mute": (ParticipantSchema(), lambda sid, d: node_api.MuteParticipant(
        session_id=sid, participant_id=d["participant_id"])),
    "mute_all": (NothingSchema(), lambda sid, d: node_api.MuteParticipant(session_id=sid)),
    "lock": (NothingSchema(), lambda sid, d: node_api.LockSession(session_id=sid, locked=True)),
    "unlock": (NothingSchema(), lambda sid, d: node_api.LockSession(session_id=sid,
                                                                     locked=False)),
    "end": (NothingSchema(), lambda sid, d: node_api.EndSession(session_id=sid)),
    "mute_mode": (MuteModeSchema(), lambda sid, d: node_api.SetMuteMode(
        session_id=sid, mode=d["mode"])),
    "allow_speak": (AllowSpeakSchema(), lambda sid, d: node_api.AllowSpeak(
        session_id=sid, participant_id=d["participant_id"], allowed=d["allowed"])),
}


@bp.post("/sessions/<session_id>/<action>")
def moderate_session(session_id: str, action: str) -> Response:
    tenant = request_tenant()
    if action not in ACTIONS:
        raise NotFound(f"Unknown action {action!r}; one of {', '.join(ACTIONS)}")
    body = json_body()
    token = pop_token(body)
    schema, build = ACTIONS[action]
    moderate(tenant, session_id, token, build(session_id, load(schema, body)))
    db.session.commit()
    return jsonify({"ok": True})
