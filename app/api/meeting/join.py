"""POST /api/v1/rooms/<access_code>/join: a ticket to a room's media node."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_limiter.util import get_remote_address
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.content_type import require_json_content_type
from app.api.meeting import bp
from app.api.parsing import json_body, load, pop_token, request_tenant, settings_limit
from app.core.inputs import path_code
from app.core.schemas import StrictSchema
from app.extensions import db, limiter
from app.modules.hosts.credentials import actor_for_token
from app.modules.hosts.operations import NO_ROOM, host_by_access_code
from app.modules.meetings.operations import join_room, rejoin_room, role_for

_pin = fields.String(validate=validate.Length(1, 12))


class JoinSchema(StrictSchema):
    display_name = fields.String(validate=validate.Length(1, 100))
    moderator_pin = _pin
    security_pin = _pin
    rejoin_token = fields.String(validate=validate.Length(1, 4000))

    @validates_schema
    def _name_or_rejoin(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "rejoin_token" not in data and "display_name" not in data:
            raise ValidationError("Missing data for required field.", "display_name")


class JoinTicketSchema(Schema):
    session_id = fields.String()
    participant_id = fields.String()
    role = fields.String()
    node_url = fields.String()
    ice_servers = fields.List(fields.String())
    token = fields.String()
    expires_at = fields.Integer()


join_schema = JoinSchema()
ticket_schema = JoinTicketSchema()


@bp.post("/rooms/<access_code>/join")
@limiter.limit(settings_limit("ratelimit_meeting_pin"),
               key_func=lambda: f"{get_remote_address()}:{request.path}",
               deduct_when=lambda response: response.status_code == 403)
def join(access_code: str) -> Response:
    """Anyone with the room's address joins as an attendee (with the room's
    ``security_pin`` when it has one); the room's host or an admin of its
    company (``auth_token`` in the body or as Bearer) or the holder of its
    ``moderator_pin`` as moderator. A wrong PIN is 403, never a quiet
    demotion, and counts against RATELIMIT_MEETING_PIN. ``rejoin_token``
    (the last join token, even expired) resumes as the same participant."""
    require_json_content_type()
    tenant = request_tenant()
    body = json_body()
    token = pop_token(body)
    data = load(join_schema, body)
    host = host_by_access_code(tenant, path_code(access_code, NO_ROOM))
    if "rejoin_token" in data:
        ticket = rejoin_room(tenant, host, data["rejoin_token"])
    else:
        caller = actor_for_token(token, tenant).caller if token else None
        admission = role_for(tenant, host, caller, data.get("moderator_pin"),
                             data.get("security_pin"))
        ticket = join_room(tenant, host, data["display_name"].strip() or "Guest", admission)
    db.session.commit()
    return jsonify(ticket_schema.dump(ticket))
