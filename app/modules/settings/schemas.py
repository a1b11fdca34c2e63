"""What a valid value of each cascade setting is: one schema for every level
(reseller, company, host), which every dialect and the portal load with.
Whether a level may store it is the cascade's question (``cascade.check_level_values``)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from app.core.schemas import StrictBoolean, StrictSchema
from app.modules.settings.cascade import HIDEABLE_CONTROLS, LANGUAGES, LAYOUTS
from app.protocol.signalling import MuteMode

MAX_MINUTES = 7 * 24 * 60  # a reminder a week ahead is the furthest that makes sense
MAX_REMINDERS = 5


class MuteModeName(fields.String):
    """``conversation``, ``presentation`` or ``qa`` (``q&a`` too), stored as its name."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = value.strip().lower().replace("q&a", "qa") if isinstance(value, str) else ""
        if text not in set(MuteMode):
            raise ValidationError(f"Must be one of: {', '.join(m.value for m in MuteMode)}.")
        return text


def _minutes(most: int) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(0, most))


class MeetingDefaultsSchema(StrictSchema):
    """A level's meeting defaults (app.modules.settings.cascade.SETTINGS)."""

    mute_mode = MuteModeName()
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    layout = fields.String(validate=validate.OneOf(LAYOUTS))
    after_call_url = fields.Url(schemes={"http", "https"}, allow_none=True,
                                validate=validate.Length(max=2000))
    hidden_controls = fields.List(fields.String(validate=validate.OneOf(HIDEABLE_CONTROLS)),
                                  validate=validate.Length(max=len(HIDEABLE_CONTROLS)))
    recording_allowed = StrictBoolean()
    transcription_allowed = StrictBoolean()
    live_stream_allowed = StrictBoolean()
    early_join_minutes = _minutes(24 * 60)
    close_grace_minutes = _minutes(24 * 60)
    reminder_minutes = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, MAX_MINUTES)),
        validate=validate.Length(max=MAX_REMINDERS))


meeting_defaults_schema = MeetingDefaultsSchema()
