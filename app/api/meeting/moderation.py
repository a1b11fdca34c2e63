"""POST /api/v1/sessions/<session_id>/<action>: what a moderator does to a
meeting (kick, mute, mute_all, lock, unlock, end, mute_mode, allow_speak,
start_live, stop_live, start_recording, stop_recording, admit),
proven by their join token (``Authorization: Bearer``). Each action is one
operation of app/modules/meetings/commands.py (the outputs':
app/modules/outputs/commands.py); this table only names its URL
and the body it takes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema, fields, validate

from app.api.content_type import require_json_content_type
from app.api.fields import MuteModeField
from app.api.meeting import bp
from app.api.parsing import json_body, load, pop_token, request_tenant
from app.core.inputs import path_id
from app.core.schemas import StrictBoolean, StrictSchema
from app.errors import NotFound
from app.extensions import db
from app.modules.meetings import commands
from app.modules.outputs import commands as output_commands


class ParticipantSchema(StrictSchema):
    participant_id = fields.String(required=True, validate=validate.Length(1, 64))


class NothingSchema(StrictSchema):
    pass


class MuteModeSchema(StrictSchema):
    mode = MuteModeField(required=True)


class AllowSpeakSchema(ParticipantSchema):
    allowed = StrictBoolean(load_default=True)


class AdmitSchema(ParticipantSchema):
    admitted = StrictBoolean(load_default=True)


class OkSchema(Schema):
    ok = fields.Boolean()


# action -> (its body, its operation, what it does: for the OpenAPI document)
ACTIONS: dict[str, tuple[Schema, Callable[..., None], str]] = {
    "kick": (ParticipantSchema(), commands.kick, "Remove a participant (cannot resume)"),
    "mute": (ParticipantSchema(), commands.mute, "Mute a participant's microphone"),
    "mute_all": (NothingSchema(), commands.mute_all, "Mute everyone but the moderators"),
    "lock": (NothingSchema(), commands.lock, "Let nobody new in"),
    "unlock": (NothingSchema(), commands.unlock, "Let new participants in again"),
    "end": (NothingSchema(), commands.end, "End the meeting for everyone"),
    "mute_mode": (MuteModeSchema(), commands.set_mute_mode,
                  "Who may speak: conversation, presentation or qa"),
    "allow_speak": (AllowSpeakSchema(), commands.allow_speak,
                    "In qa mode: let an attendee speak, or take it back"),
    "admit": (AdmitSchema(), commands.admit,
              "Let a guest waiting in the lobby in (admitted false: turn them away)"),
    "start_live": (NothingSchema(), output_commands.start_live,
                   "Start the live stream (/livestream/<access_code>); a running one stays"),
    "stop_live": (NothingSchema(), output_commands.stop_live, "Stop the live stream"),
    "start_recording": (NothingSchema(), output_commands.start_recording,
                        "Start recording; a running recording stays"),
    "stop_recording": (NothingSchema(), output_commands.stop_recording,
                       "Stop recording; the recording is then assembled and published"),
}
ok_schema = OkSchema()


@bp.post("/sessions/<session_id>/<action>")
def moderate_session(session_id: str, action: str) -> Response:
    require_json_content_type()
    tenant = request_tenant()
    path_id(session_id, commands.NO_SESSION)
    if action not in ACTIONS:
        raise NotFound(f"Unknown action {action!r}; one of {', '.join(ACTIONS)}")
    body = json_body()
    token = pop_token(body)
    schema, operation, _ = ACTIONS[action]
    arguments: dict[str, Any] = load(schema, body)
    operation(tenant, session_id, token, **arguments)
    db.session.commit()
    return jsonify(ok_schema.dump({"ok": True}))
