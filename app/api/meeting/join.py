"""POST /api/v1/rooms/<access_code>/join: a ticket to a room's media node."""

from __future__ import annotations

from flask import Response, jsonify
from marshmallow import Schema, fields, validate

from app.api.enterprise.endpoint import json_body, load, pop_token, request_tenant
from app.api.meeting import bp
from app.core.schemas import StrictSchema
from app.extensions import db
from app.modules.auth.operations import actor_for_token
from app.modules.meetings.operations import host_by_access_code, join_room, role_for


class JoinSchema(StrictSchema):
    display_name = fields.String(required=True, validate=validate.Length(1, 100))
    moderator_pin = fields.String(validate=validate.Length(1, 12))


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
def join(access_code: str) -> Response:
    """Anyone with the room's address joins as an attendee; the room's host or
    an admin of its company (``auth_token`` in the body or as Bearer) or the
    holder of its moderator PIN (``moderator_pin``) as moderator. A wrong PIN
    is 403, not a quiet demotion."""
    tenant = request_tenant()
    body = json_body()
    token = pop_token(body)
    data = load(join_schema, body)
    host = host_by_access_code(tenant, access_code)
    caller = actor_for_token(token, tenant).host if token else None
    role = role_for(tenant, host, caller, data.get("moderator_pin"))
    ticket = join_room(tenant, host, data["display_name"].strip() or "Guest", role)
    db.session.commit()
    return jsonify(ticket_schema.dump(ticket))
