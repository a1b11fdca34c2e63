"""join: the participant is made at once with the role BBB asked for (the
moderator or attendee password, or ``role``), and the browser goes to its
pass: the meeting page that joins as them (meetings.passes)."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.api.bbb.calls import BbbCall, bbb_call
from app.api.bbb.errors import BbbError, invalid_password, missing_param
from app.api.bbb.meeting_xml import create_time
from app.api.bbb.responses import success
from app.api.bbb.rooms import internal_meeting_id, running_meeting
from app.api.bbb.schemas import join_schema, parse, prefixed
from app.modules.meetings.integration import role_for_password
from app.modules.meetings.models import Room
from app.modules.meetings.passes import issue_pass
from app.protocol.join_token import Role

MAX_USER_DATA = 50


@bbb_call("join")
def join(call: BbbCall) -> Response:
    data = parse(join_schema, call.params)
    room, session = running_meeting(call.tenant, data["meeting_id"])
    role = _role(room, data)
    if "create_time" in data and data["create_time"] != str(create_time(session)):
        raise BbbError("mismatchCreateTime",
                       "The createTime parameter submitted mismatches with the current meeting.")
    granted = issue_pass(call.tenant, session, data["full_name"], role,
                         external_user_id=data.get("user_id"), avatar_url=data.get("avatar_url"),
                         user_data=_user_data(call.params), guest=data.get("guest", False))
    if data.get("redirect", True):
        return Response(status=302, headers={"Location": granted.url})
    assert room.external_id is not None
    return success([
        ("messageKey", "successfullyJoined"), ("message", "You have joined successfully."),
        ("meeting_id", internal_meeting_id(room.external_id, create_time(session))),
        ("user_id", granted.participant.public_id),
        # The pass is both: whoever holds it joins as this participant.
        ("auth_token", granted.key), ("session_token", granted.key), ("url", granted.url),
    ])


def _role(room: Room, data: dict[str, Any]) -> Role:
    """``role`` when given (BBB 2.4), else what the password is for."""
    if "role" in data:
        return Role.MODERATOR if data["role"] == "MODERATOR" else Role.ATTENDEE
    if "password" not in data:
        raise missing_param("password")
    role = role_for_password(room, data["password"])
    if role is None:
        raise invalid_password()
    return role


def _user_data(params: dict[str, str]) -> dict[str, str]:
    """userdata-* parameters, kept with the participant as given."""
    user_data = prefixed(params, "userdata-")
    if len(user_data) > MAX_USER_DATA:
        raise BbbError("validationError", f"At most {MAX_USER_DATA} userdata- parameters")
    return user_data
