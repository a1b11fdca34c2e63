"""POST /api/v1/rooms/<access_code>/join: a ticket to a room's media node."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.api.content_type import require_json_content_type
from app.api.meeting import bp
from app.api.parsing import cookie_host_session, json_body, load, pop_token, request_tenant
from app.core.inputs import path_code, path_id
from app.core.rate_limits import ROOM_NOT_FOUND, FailureLimit, client_address, limit_failures
from app.core.schemas import StrictBoolean, StrictSchema
from app.errors import AppError, Forbidden, WaitingForModerator
from app.extensions import db
from app.modules.hosts.credentials import actor_for_token
from app.modules.hosts.operations import NO_ROOM
from app.modules.meetings.operations import join_room, rejoin_room, role_for
from app.modules.meetings.passes import NO_PASS, join_by_pass
from app.modules.meetings.scheduling import address_at

_pin = fields.String(validate=validate.Length(1, 12))


class JoinSchema(StrictSchema):
    display_name = fields.String(validate=validate.Length(1, 100))
    moderator_pin = _pin
    security_pin = _pin
    rejoin_token = fields.String(validate=validate.Length(1, 4000))
    invite = fields.String(validate=validate.Length(1, 1000))  # a moderator invitation
    # With rejoin_token: the connection to the media node was lost (the web
    # checks that node at once, and places the meeting elsewhere if it is gone).
    lost_node = StrictBoolean()

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
    # Only for the room's host, whose own web session made them moderator:
    as_host = fields.Boolean()  # the page says "you are the host"
    after_call_url = fields.String()  # where the page goes when they leave (from /auth)


class PassJoinSchema(StrictSchema):
    lost_node = StrictBoolean()  # as JoinSchema's


join_schema = JoinSchema()
pass_join_schema = PassJoinSchema()
ticket_schema = JoinTicketSchema()


def _wrong_pin(error: AppError) -> bool:
    return isinstance(error, Forbidden)


# Wrong PINs (403) are counted per address and room, and per room from any
# address; a request that gives no PIN is not guarded by either, so a room
# under attack still lets in its host and admins (auth_token) and resumes
# (rejoin_token). Addresses that name no room count against ROOM_NOT_FOUND.
PINS_FROM_ADDRESS = FailureLimit("wrong PINs from this address", "ratelimit_meeting_pin",
                                 counts=_wrong_pin)
PINS_FOR_ROOM = FailureLimit("wrong PINs for this room", "ratelimit_meeting_pin_room",
                             counts=_wrong_pin)


def _room_key() -> str:
    return f"{request_tenant().id}:{(request.view_args or {}).get('access_code', '')}"


def _pins_given() -> bool:
    """Whether the body names a PIN, read as the view will read it (a key
    spelt with escapes is the same key); a body that is no JSON object gets
    no PIN checked, the view refuses it. Both PIN limits ask: parsed once."""
    if "pins_given" not in g:
        try:
            body = json.loads(request.get_data(cache=True))  # the view reads the cached bytes
        except (ValueError, UnicodeDecodeError, RecursionError):
            body = None
        g.pins_given = isinstance(body, dict) and \
            bool({"moderator_pin", "security_pin"} & set(body))
    return bool(g.pins_given)


@bp.post("/rooms/<access_code>/join")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
@limit_failures(PINS_FOR_ROOM, lambda: [_room_key()] if _pins_given() else [])
@limit_failures(PINS_FROM_ADDRESS,
                lambda: [f"{client_address()}:{_room_key()}"] if _pins_given() else [])
def join(access_code: str) -> Response:
    """Anyone with the room's address joins as an attendee (with the room's
    ``security_pin`` when it has one); the room's host or an admin of its
    company (``auth_token`` in the body or as Bearer or, without one, their
    web session's cookie from /auth or /login: for the room's host the
    answer then says ``as_host`` and the session's ``after_call_url``) or the holder of its
    ``moderator_pin``, or a moderator ``invite`` to this room (a scheduled
    room's invitation link), as moderator. A scheduled room answers 409 before
    it opens and 410 once it has closed. A wrong PIN is 403, never a quiet
    demotion, and counts against RATELIMIT_MEETING_PIN (per address and
    room) and RATELIMIT_MEETING_PIN_ROOM (per room). ``rejoin_token``
    (the last join token, even expired) resumes as the same participant;
    with ``lost_node`` true the web first checks the node that token names."""
    require_json_content_type()
    tenant = request_tenant()
    body = json_body()
    token = pop_token(body)
    data = load(join_schema, body)
    code = path_code(access_code, NO_ROOM)
    address = address_at(tenant, code)
    own_session = None  # the web session that made its host moderator here
    if "rejoin_token" in data:
        ticket = rejoin_room(tenant, code, data["rejoin_token"],
                             lost_node=data.get("lost_node", False))
    else:
        # No auth_token: the host's own web session (SSO, login) stands for it.
        session = None if token else cookie_host_session(tenant)
        caller = actor_for_token(token, tenant).caller if token else \
            session.caller if session else None
        admission = role_for(tenant, address, caller, data.get("moderator_pin"),
                             data.get("security_pin"), data.get("invite"))
        ticket = join_room(tenant, address, data["display_name"].strip() or "Guest", admission)
        if session is not None and session.host.id == address.organizer.id:
            own_session = session  # (a colleague's session, even a moderator's, is not)
    db.session.commit()
    answer = ticket_schema.dump(ticket)
    if own_session is not None:
        answer.update(as_host=True, after_call_url=own_session.after_call_url)
    return jsonify(answer)


@bp.post("/passes/<key>/join")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def join_with_pass(key: str) -> Response:
    """The ticket of the participant an API client let in by this pass
    (``/conf/pass/<key>``), for its first join and every rejoin: 404 for no
    such pass, 410 once the meeting ended, 403 once they were removed (or
    turned away from the lobby, or the room denies guests), 409 while the
    room is full. A guest in the lobby gets 202 ``{"waiting": true}``: the
    page asks again until a moderator lets them in."""
    # The page posts {} (or {"lost_node": true} when it lost its node).
    data = load(pass_join_schema, json_body()) if request.get_data(cache=True).strip() else {}
    try:
        ticket = join_by_pass(request_tenant(), path_id(key, NO_PASS),
                              lost_node=data.get("lost_node", False))
    except WaitingForModerator as waiting:
        response = jsonify({"waiting": True, "message": waiting.message})
        response.status_code = 202
        return response
    db.session.commit()
    return jsonify(ticket_schema.dump(ticket))
