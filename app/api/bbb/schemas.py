"""The BBB calls' parameters. Unknown parameters are ignored and empty ones
are absent (calls.py drops them), as BBB does; booleans are ``true`` or
``false`` in any case; numbers are digits only. A required parameter left
out is BBB's missingParam<Name>; any other bad value is validationError, and
nothing is changed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.api.bbb.errors import BbbError, missing_param

# The reference's String has no control characters; a lone surrogate is a
# byte that was not UTF-8.
_CONTROL = re.compile("[\x00-\x1f\ud800-\udfff]")


class BbbBoolean(fields.Field):
    """``true`` / ``false``, any case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValidationError("Must be true or false.")


class BbbNumber(fields.Integer):
    """A non-negative integer written with digits only."""

    def __init__(self, maximum: int = 10**9, **kwargs: Any):
        super().__init__(validate=validate.Range(0, maximum), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise ValidationError("Must be a number (digits only).")
        return super()._deserialize(value, attr, data, **kwargs)


def text(max_length: int = 5000, **kwargs: Any) -> fields.String:
    """A BBB String: no control characters (multi-line messages keep their breaks)."""
    return fields.String(validate=[validate.Length(max=max_length), _no_control], **kwargs)


def _no_control(value: str) -> None:
    if _CONTROL.search(value.replace("\n", "").replace("\r", "").replace("\t", "")):
        raise ValidationError("Must be UTF-8 without control characters.")


def meeting_id(**kwargs: Any) -> fields.String:
    return text(256, required=True, data_key="meetingID", **kwargs)


class BbbSchema(Schema):
    class Meta:
        unknown = EXCLUDE


class MeetingIdSchema(BbbSchema):
    """isMeetingRunning, getMeetingInfo: the meeting only (getMeetingInfo's
    deprecated ``password`` is ignored)."""

    meeting_id = meeting_id()


class EndSchema(BbbSchema):
    meeting_id = meeting_id()
    password = text(256, required=True)


class JoinSchema(BbbSchema):
    meeting_id = meeting_id()
    full_name = text(200, required=True, data_key="fullName")
    password = text(256)  # required unless role is given (checked by the call)
    role = fields.String(validate=validate.OneOf(["MODERATOR", "VIEWER"]))
    create_time = text(20, data_key="createTime")
    user_id = text(256, data_key="userID")
    web_voice_conf = text(100, data_key="webVoiceConf")
    config_token = text(100, data_key="configToken")
    default_layout = text(100, data_key="defaultLayout")
    avatar_url = text(2000, data_key="avatarURL")
    redirect = BbbBoolean()
    client_url = text(2000, data_key="clientURL")
    join_via_html5 = BbbBoolean(data_key="joinViaHtml5")
    guest = BbbBoolean()


class SetConfigXmlSchema(BbbSchema):
    meeting_id = meeting_id()
    config_xml = fields.String(required=True, data_key="configXML",
                               validate=validate.Length(max=1_000_000))


class CreateSchema(BbbSchema):
    """Every parameter of create in the reference (meta_* are read apart)."""

    meeting_id = meeting_id()
    name = text(200)
    attendee_pw = text(256, data_key="attendeePW")
    moderator_pw = text(256, data_key="moderatorPW")
    welcome = text()
    dial_number = text(100, data_key="dialNumber")
    voice_bridge = fields.String(data_key="voiceBridge", validate=validate.Regexp(r"^[0-9]{1,10}$"))
    max_participants = BbbNumber(100_000, data_key="maxParticipants")
    logout_url = text(2000, data_key="logoutURL")
    record = BbbBoolean()
    duration = BbbNumber(7 * 24 * 60)
    is_breakout = BbbBoolean(data_key="isBreakout")
    parent_meeting_id = text(256, data_key="parentMeetingID")
    sequence = BbbNumber()
    free_join = BbbBoolean(data_key="freeJoin")
    moderator_only_message = text(data_key="moderatorOnlyMessage")
    auto_start_recording = BbbBoolean(data_key="autoStartRecording")
    allow_start_stop_recording = BbbBoolean(data_key="allowStartStopRecording")
    webcams_only_for_moderator = BbbBoolean(data_key="webcamsOnlyForModerator")
    logo = text(2000)
    banner_text = text(500, data_key="bannerText")
    banner_color = text(20, data_key="bannerColor")
    copyright = text(500)
    mute_on_start = BbbBoolean(data_key="muteOnStart")
    allow_mods_to_unmute_users = BbbBoolean(data_key="allowModsToUnmuteUsers")
    lock_settings_disable_cam = BbbBoolean(data_key="lockSettingsDisableCam")
    lock_settings_disable_mic = BbbBoolean(data_key="lockSettingsDisableMic")
    lock_settings_disable_private_chat = BbbBoolean(data_key="lockSettingsDisablePrivateChat")
    lock_settings_disable_public_chat = BbbBoolean(data_key="lockSettingsDisablePublicChat")
    lock_settings_disable_note = BbbBoolean(data_key="lockSettingsDisableNote")
    lock_settings_hide_user_list = BbbBoolean(data_key="lockSettingsHideUserList")
    lock_settings_locked_layout = BbbBoolean(data_key="lockSettingsLockedLayout")
    lock_settings_lock_on_join = BbbBoolean(data_key="lockSettingsLockOnJoin")
    lock_settings_lock_on_join_configurable = BbbBoolean(
        data_key="lockSettingsLockOnJoinConfigurable")
    guest_policy = fields.String(data_key="guestPolicy", validate=validate.OneOf(
        ["ALWAYS_ACCEPT", "ALWAYS_DENY", "ASK_MODERATOR"]))
    end_when_no_moderator = BbbBoolean(data_key="endWhenNoModerator")
    end_when_no_moderator_delay = BbbNumber(1440, data_key="endWhenNoModeratorDelayInMinutes")


create_schema = CreateSchema()
join_schema = JoinSchema()
end_schema = EndSchema()
meeting_id_schema = MeetingIdSchema()
set_config_xml_schema = SetConfigXmlSchema()

# Parameters whose values BBB compares in upper case.
_UPPER = frozenset({"role", "guestPolicy"})


def parse(schema: Schema, params: Mapping[str, str]) -> dict[str, Any]:
    """``params`` loaded by ``schema``: missingParam<Name> for the first
    required one absent (in the schema's order), validationError otherwise."""
    for field in schema.fields.values():
        name = field.data_key or field.name or ""
        if field.required and name not in params:
            raise missing_param(name)
    given = {name: value.upper() if name in _UPPER else value for name, value in params.items()}
    try:
        return schema.load(given)
    except ValidationError as exc:
        raise BbbError("validationError", "Invalid parameters: " + ", ".join(
            f"{name}: {' '.join(map(str, problems))}"
            for name, problems in _flat(exc.messages).items())) from exc


def prefixed(params: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The ``prefix``-named parameters (meta_*, userdata-*) without their
    prefix; each value a BBB String of at most 5000 characters."""
    found = {name[len(prefix):]: value for name, value in params.items()
             if name.startswith(prefix) and len(name) > len(prefix)}
    for name, value in found.items():
        try:
            _no_control(value)
            validate.Length(max=5000)(value)
        except ValidationError as exc:
            raise BbbError("validationError", f"{prefix}{name}: {exc.messages[0]}") from exc
    return found


def _flat(messages: Any) -> dict[str, list[Any]]:
    if isinstance(messages, dict):
        return {str(k): v if isinstance(v, list) else [v] for k, v in messages.items()}
    return {"_": messages if isinstance(messages, list) else [messages]}
