from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from app.core.schemas import StrictSchema
from app.protocol.signalling import MuteMode

# The meeting page's controls a company or an embedding page may hide.
HIDEABLE_CONTROLS = ("mic", "camera", "screen", "hand", "devices", "chat", "people", "leave")
LANGUAGES = ("en", "de", "fr", "es")


class MuteModeField(fields.Field):
    """``conversation``, ``presentation`` or ``qa`` (``q&a`` is accepted too)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> MuteMode:
        text = value.strip().lower().replace("q&a", "qa") if isinstance(value, str) else ""
        try:
            return MuteMode(text)
        except ValueError as exc:
            raise ValidationError(
                f"Must be one of: {', '.join(m.value for m in MuteMode)}.") from exc

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else MuteMode(value).value


class MeetingDefaultsSchema(StrictSchema):
    """A company's defaults for its meeting rooms (``meeting_defaults`` in
    company/create, company/update and the company document)."""

    hidden_controls = fields.List(fields.String(validate=validate.OneOf(HIDEABLE_CONTROLS)),
                                  validate=validate.Length(max=len(HIDEABLE_CONTROLS)))
    after_call_url = fields.Url(schemes={"http", "https"}, allow_none=True,
                                validate=validate.Length(max=2000))
    mute_mode = MuteModeField()
    language = fields.String(validate=validate.OneOf(LANGUAGES))
