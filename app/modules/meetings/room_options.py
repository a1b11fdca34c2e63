"""What an integration room asks of its sessions and meeting page: the
room level of the settings cascade for rooms an API client made (BBB create's
parameters, the rooms API's ``options[...]``). Each dialect maps its own
parameters onto these names and validates its wire values; this schema
checks what reaches ``Room.options``, and ``options_of`` gives every reader
the same defaults. What carries each one out is listed in docs/room-options.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any

from marshmallow import fields, validate

from app.core.schemas import StrictBoolean, StrictSchema

GUEST_POLICIES = ("always_accept", "always_deny", "ask_moderator")


class LockSettingsSchema(StrictSchema):
    """What attendees may not do (moderators always may)."""

    disable_camera = StrictBoolean()
    disable_microphone = StrictBoolean()
    disable_private_chat = StrictBoolean()
    disable_public_chat = StrictBoolean()
    hide_user_list = StrictBoolean()
    lock_on_join = StrictBoolean()  # false: the locks apply only to who joins later


class RoomOptionsSchema(StrictSchema):
    welcome_message = fields.String(validate=validate.Length(max=5000))
    moderator_message = fields.String(validate=validate.Length(max=5000))
    banner_text = fields.String(validate=validate.Length(max=500))
    banner_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    exit_url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000))
    max_participants = fields.Integer(strict=True, validate=validate.Range(0, 100_000))
    duration_minutes = fields.Integer(strict=True, validate=validate.Range(0, 7 * 24 * 60))
    end_when_no_moderator = StrictBoolean()
    end_when_no_moderator_minutes = fields.Integer(strict=True, validate=validate.Range(0, 1440))
    mute_on_start = StrictBoolean()
    webcams_only_for_moderator = StrictBoolean()
    lock = fields.Nested(LockSettingsSchema)
    guest_policy = fields.String(validate=validate.OneOf(GUEST_POLICIES))
    record = StrictBoolean()  # may be recorded at all
    auto_start_recording = StrictBoolean()
    allow_start_stop_recording = StrictBoolean()
    show_names = StrictBoolean()
    show_label = StrictBoolean()  # the brand's label on the page
    widescreen = StrictBoolean()
    background_color = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    logo_url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2000))
    hide_chat = StrictBoolean()
    reactions = StrictBoolean()
    language = fields.String(validate=validate.Length(2, 10))


room_options_schema = RoomOptionsSchema()


@dataclass(frozen=True)
class LockSettings:
    disable_camera: bool = False
    disable_microphone: bool = False
    disable_private_chat: bool = False
    disable_public_chat: bool = False
    hide_user_list: bool = False
    lock_on_join: bool = True


@dataclass(frozen=True)
class RoomOptions:
    """Every option with its default: what a room that says nothing gets."""

    welcome_message: str | None = None
    moderator_message: str | None = None
    banner_text: str | None = None
    banner_color: str | None = None
    exit_url: str | None = None
    max_participants: int = 0  # 0: no limit
    duration_minutes: int = 0  # 0: no limit
    end_when_no_moderator: bool = False
    end_when_no_moderator_minutes: int = 1
    mute_on_start: bool = False
    webcams_only_for_moderator: bool = False
    lock: LockSettings = field(default_factory=LockSettings)
    guest_policy: str = "always_accept"
    record: bool = True
    auto_start_recording: bool = False
    allow_start_stop_recording: bool = True
    show_names: bool = True
    show_label: bool = True
    widescreen: bool = True
    background_color: str | None = None
    logo_url: str | None = None
    hide_chat: bool = False
    reactions: bool = True
    language: str | None = None


_NAMES = {f.name for f in dataclass_fields(RoomOptions)}


def options_of(stored: dict[str, Any] | None) -> RoomOptions:
    """``Room.options`` with defaults for what it leaves out (a key stored by
    an older version, or by hand, is ignored: reading never fails)."""
    given = {k: v for k, v in (stored or {}).items() if k in _NAMES and k != "lock"}
    lock = (stored or {}).get("lock") or {}
    lock_names = {f.name for f in dataclass_fields(LockSettings)}
    return RoomOptions(**given, lock=LockSettings(
        **{k: v for k, v in lock.items() if k in lock_names}))
