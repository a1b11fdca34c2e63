"""A BBB meeting as Confera keeps it: an integration room of namespace
``bbb`` (its meetingID the external id) whose running session is the BBB
meeting. What create asked for is mapped onto ``Room.options`` where
Confera carries it out; the rest is kept in ``Room.integration_data`` and
returned as given."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from marshmallow import ValidationError

from app.api.bbb.errors import BbbError, not_found
from app.modules.meetings.integration import current_session, find_integration_room
from app.modules.meetings.models import MeetingSession, Room
from app.modules.meetings.room_options import room_options_schema
from app.modules.tenants.models import Tenant

NAMESPACE = "bbb"
# create's parameters -> Room.options (each carried out by Confera).
_OPTIONS = {
    "welcome": "welcome_message", "moderator_only_message": "moderator_message",
    "logout_url": "exit_url", "max_participants": "max_participants",
    "duration": "duration_minutes", "record": "record",
    "auto_start_recording": "auto_start_recording",
    "allow_start_stop_recording": "allow_start_stop_recording",
    "mute_on_start": "mute_on_start", "webcams_only_for_moderator": "webcams_only_for_moderator",
    "banner_text": "banner_text", "banner_color": "banner_color", "logo": "logo_url",
    "end_when_no_moderator": "end_when_no_moderator",
    "end_when_no_moderator_delay": "end_when_no_moderator_minutes",
}
_LOCKS = {
    "lock_settings_disable_cam": "disable_camera",
    "lock_settings_disable_mic": "disable_microphone",
    "lock_settings_disable_private_chat": "disable_private_chat",
    "lock_settings_disable_public_chat": "disable_public_chat",
    "lock_settings_hide_user_list": "hide_user_list",
    "lock_settings_lock_on_join": "lock_on_join",
}
_GUEST_POLICIES = {"ALWAYS_ACCEPT": "always_accept", "ALWAYS_DENY": "always_deny",
                   "ASK_MODERATOR": "ask_moderator"}


def room_fields(data: Mapping[str, Any], params: Mapping[str, str], meta: Mapping[str, str],
                documents: list[dict[str, Any]]) -> dict[str, Any]:
    """``integration_room``'s keywords for a create (passwords BBB makes up
    when not given)."""
    return {
        "title": data.get("name"), "options": room_options(data), "meta": dict(meta),
        "integration_data": {"create": dict(params), "documents": documents,
                             "voiceBridge": data.get("voice_bridge") or _voice_bridge(),
                             "configs": {}},
        "moderator_password": data.get("moderator_pw") or secrets.token_urlsafe(6),
        "attendee_password": data.get("attendee_pw") or secrets.token_urlsafe(6),
    }


def room_options(data: Mapping[str, Any]) -> dict[str, Any]:
    """create's parameters that Confera carries out, as ``Room.options``
    (checked by the domain's schema: a value it refuses is validationError)."""
    options = {option: data[name] for name, option in _OPTIONS.items() if name in data}
    options.setdefault("record", False)  # BBB records only when asked (record=true)
    locks = {lock: data[name] for name, lock in _LOCKS.items() if name in data}
    if locks:
        options["lock"] = locks
    if "guest_policy" in data:
        options["guest_policy"] = _GUEST_POLICIES[data["guest_policy"]]
    try:
        return room_options_schema.load(options)
    except ValidationError as exc:
        raise BbbError("validationError", f"Invalid parameters: {exc.messages}") from exc


def running_meeting(company: Tenant, meeting_id: str) -> tuple[Room, MeetingSession]:
    """The BBB meeting ``meeting_id`` while it runs; notFound otherwise."""
    room = find_integration_room(company, NAMESPACE, meeting_id)
    session = current_session(company, room) if room is not None else None
    if room is None or session is None:
        raise not_found()
    return room, session


def create_params(room: Room) -> dict[str, str]:
    """The parameters of the create that set the room up (less checksum)."""
    return dict((room.integration_data or {}).get("create") or {})


def stored(room: Room, key: str, default: Any = None) -> Any:
    return (room.integration_data or {}).get(key, default)


def internal_meeting_id(meeting_id: str, create_time: int) -> str:
    """BBB's internal id: sha1(meetingID)-createTime."""
    return f"{hashlib.sha1(meeting_id.encode()).hexdigest()}-{create_time}"


def _voice_bridge() -> str:
    return str(70000 + secrets.randbelow(30000))  # BBB's five digits
