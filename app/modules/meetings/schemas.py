from __future__ import annotations

from marshmallow import Schema, fields

from app.core.schemas import Digits, StrictSchema
from app.modules.hosts.schemas import PIN_DIGITS
from app.modules.settings.schemas import MuteModeField


class RoomIdSchema(StrictSchema):
    host_id = fields.Integer(required=True, strict=True)


class RoomUpdateSchema(RoomIdSchema):
    security_pin = Digits(*PIN_DIGITS, allow_none=True)  # null: none
    mute_mode = MuteModeField(allow_none=True)  # null: the company's default


class RoomSchema(Schema):
    """A host's meeting room and its rules; the PIN shown as conference/create shows it."""

    host_id = fields.Integer()
    meeting_url = fields.String()
    security_pin = fields.String(allow_none=True)
    mute_mode = MuteModeField(allow_none=True)


room_id_schema = RoomIdSchema()
room_update_schema = RoomUpdateSchema()
room_schema = RoomSchema()
