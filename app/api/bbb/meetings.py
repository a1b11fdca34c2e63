"""create, end, isMeetingRunning, getMeetingInfo, getMeetings: a BBB meeting
is an integration room's running session (rooms.py)."""

from __future__ import annotations

import re

from flask import Response

from app.api.bbb.callbacks import subscribe_callbacks
from app.api.bbb.calls import BbbCall, bbb_call
from app.api.bbb.errors import BbbError, invalid_password
from app.api.bbb.meeting_xml import create_fields, has_user_joined, meeting_fields
from app.api.bbb.presentations import documents_of
from app.api.bbb.responses import Field, success
from app.api.bbb.rooms import NAMESPACE, create_params, room_fields, running_meeting
from app.api.bbb.schemas import (
    create_schema,
    end_schema,
    meeting_id_schema,
    parse,
    prefixed,
)
from app.modules.meetings import commands
from app.modules.meetings.integration import (
    current_session,
    find_integration_room,
    integration_room,
    role_for_password,
    running_sessions,
    update_integration_room,
)
from app.modules.meetings.operations import running_session
from app.protocol.join_token import Role

# A meta_ name becomes an XML element in getMeetingInfo: it must be one.
_META_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
MAX_META = 100
PAGE = 100


@bbb_call("create")
def create(call: BbbCall) -> Response:
    """Start the meeting (idempotent while it runs with the same parameters)."""
    data = parse(create_schema, call.params)
    fields = room_fields(data, _signed_params(call), _meta(call.params), documents_of(call.body))
    room, made = integration_room(call.tenant, NAMESPACE, data["meeting_id"], **fields)
    session = None if made else current_session(call.tenant, room)
    if session is not None:  # running: the same create again, or another meeting's id
        if create_params(room) != fields["integration_data"]["create"]:
            raise BbbError("idNotUnique", "A meeting already exists with that meeting ID. "
                                          "Please use a different meeting ID.")
        return success(create_fields(call.tenant, room, session, duplicate=True))
    if not made:  # an idle room takes the new create's settings
        update_integration_room(call.tenant, room, **fields)
    subscribe_callbacks(call.tenant, room)
    session = running_session(call.tenant, room)
    return success(create_fields(call.tenant, room, session, duplicate=False))


@bbb_call("end")
def end(call: BbbCall) -> Response:
    """End the meeting for everyone, with its moderator password."""
    data = parse(end_schema, call.params)
    room, session = running_meeting(call.tenant, data["meeting_id"])
    if role_for_password(room, data["password"]) is not Role.MODERATOR:
        raise invalid_password()
    commands.end(call.tenant, session.public_id, commands.AS_INTEGRATOR)
    return success([("messageKey", "sentEndMeetingRequest"), (
        "message", "A request to end the meeting was sent.  Please wait a few seconds, and then "
                   "use the getMeetingInfo or isMeetingRunning API calls to verify that it was "
                   "ended.")])


@bbb_call("isMeetingRunning")
def is_meeting_running(call: BbbCall) -> Response:
    """Whether the meeting runs and someone has joined it (as BBB: a created
    meeting nobody joined yet is not running)."""
    data = parse(meeting_id_schema, call.params)
    room = find_integration_room(call.tenant, NAMESPACE, data["meeting_id"])
    session = current_session(call.tenant, room) if room is not None else None
    running = session is not None and has_user_joined(call.tenant, session)
    return success([("running", running)])


@bbb_call("getMeetingInfo")
def get_meeting_info(call: BbbCall) -> Response:
    data = parse(meeting_id_schema, call.params)
    room, session = running_meeting(call.tenant, data["meeting_id"])
    return success(meeting_fields(call.tenant, room, session))


@bbb_call("getMeetings")
def get_meetings(call: BbbCall) -> Response:
    """Every running BBB meeting of the company, oldest first."""
    meetings: list[Field] = []
    page_number = 1
    while True:
        page = running_sessions(call.tenant, NAMESPACE, page_number, PAGE)
        meetings += [("meeting", meeting_fields(call.tenant, s.room, s)) for s in page.items]
        if page_number * PAGE >= page.total:
            break
        page_number += 1
    if not meetings:
        return success([("meetings", None), ("messageKey", "noMeetings"),
                        ("message", "no meetings were found on this server")])
    return success([("meetings", meetings)])


def _signed_params(call: BbbCall) -> dict[str, str]:
    """create's parameters as compared by a repeated create (less checksum)."""
    return {name: value for name, value in call.params.items() if name != "checksum"}


def _meta(params: dict[str, str]) -> dict[str, str]:
    """meta_* parameters, names in lower case as BBB keeps them."""
    meta = {name.lower(): value for name, value in prefixed(params, "meta_").items()}
    bad = [name for name in meta if not _META_NAME.match(name)]
    if bad or len(meta) > MAX_META:
        raise BbbError("validationError", f"Invalid meta parameter names (at most {MAX_META}, "
                       "letters, digits, _ . -): " + ", ".join(sorted(bad)))
    return meta
