"""Marshmallow fields that the JSON dialects share."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

from app.protocol.signalling import MuteMode


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
