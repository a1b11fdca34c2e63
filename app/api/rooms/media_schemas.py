"""What the rooms API's media controls take (recording, snapshots,
broadcasts, layout, layers, playbacks, webhooks): Eyeson's parameters, as
query string, form or JSON (``params.load_params``)."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from app.api.rooms.schemas import LAYOUTS, MAX_ID

MAX_URL = 2000
MAX_TEXT = 1000
MAX_BOXES = 16
_http = {"http", "https"}
# Eyeson's named layouts: the podiums by their number of spots, and the
# presentation layouts (a presenter large, the others in a strip).
PODIUMS = {"one": 1, "two": 2, "four": 4, "six": 6, "nine": 9}
PRESENTATIONS = {"present-lower-3": 4, "present-upper-6": 7, "present-upper-right-9": 10,
                 "present-two-upper-6": 8}
WEBHOOK_TYPES = ("room_update", "recording_update", "broadcast_update", "snapshot_update")


def _url(required: bool = False) -> fields.Url:
    return fields.Url(schemes=_http, required=required, validate=validate.Length(max=MAX_URL))


class BroadcastSchema(Schema):
    stream_url = fields.String(required=True, validate=validate.Length(1, MAX_URL))
    player_url = _url()


class PlayerUrlSchema(Schema):
    player_url = _url(required=True)


class LayoutMap(fields.Field):
    """Eyeson's ``map``: positions ``[[x, y, width, height(, fit)], ...]`` in
    the picture's pixels, as JSON text or a list; the fit is ignored."""

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> list[list[int]]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValidationError("Not JSON.") from exc
        if not isinstance(value, list) or not 0 < len(value) <= MAX_BOXES:
            raise ValidationError(f"A list of 1 to {MAX_BOXES} positions.")
        return [self._box(box) for box in value]

    @staticmethod
    def _box(box: Any) -> list[int]:
        if not isinstance(box, list) or len(box) not in (4, 5) or not all(
                isinstance(n, int | float) and not isinstance(n, bool) and 0 <= n <= 3840
                for n in box[:4]) or box[2] < 2 or box[3] < 2:
            raise ValidationError("Each position is [x, y, width, height] in pixels.")
        return [int(n) for n in box[:4]]


class LayoutSchema(Schema):
    layout = fields.String(validate=validate.OneOf(LAYOUTS))
    users = fields.List(fields.String(validate=validate.Length(max=MAX_ID)),
                        validate=validate.Length(max=16))
    voice_activation = fields.Boolean()
    show_names = fields.Boolean()
    name = fields.String(validate=validate.OneOf([*PODIUMS, *PRESENTATIONS]))
    audio_insert = fields.String(validate=validate.OneOf(("enabled", "disabled", "audio_only")))
    audio_insert_position = fields.Dict()
    map = LayoutMap()

    @pre_load
    def single_user(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """``users=a`` (one value without brackets) is a list of one."""
        if isinstance(data.get("users"), str):
            data = {**data, "users": [data["users"]]}
        return data


class InsertSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    icon = _url()
    title = fields.String(validate=validate.Length(max=200))
    content = fields.String(validate=validate.Length(max=MAX_TEXT))


class LayerSchema(Schema):
    url = _url()
    insert = fields.Nested(InsertSchema)
    z_index = fields.Integer(data_key="z-index", load_default=1,
                             validate=validate.OneOf((-1, 1), error="Use -1 or 1."))
    layout = fields.String(validate=validate.OneOf(("fixed", "auto")))

    @pre_load
    def one_kind(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        given = data.get("insert")
        insert: dict[str, Any] = given if isinstance(given, dict) else {}
        if not data.get("url") and not (insert.get("title") or insert.get("content")):
            raise ValidationError("Give url, or insert[title] or insert[content].", "url")
        return data


class PlaybackSpecSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    url = _url(required=True)
    play_id = fields.String(validate=validate.Length(1, MAX_ID))
    replacement_id = fields.String(validate=validate.Length(max=MAX_ID))
    name = fields.String(validate=validate.Length(max=200))
    audio = fields.Boolean(load_default=False)
    loop_count = fields.Integer(load_default=0, validate=validate.Range(-1, 1000))


class PlaybackSchema(Schema):
    playback = fields.Nested(PlaybackSpecSchema, required=True)


class WebhookSchema(Schema):
    url = _url(required=True)
    types = fields.List(fields.String(validate=validate.OneOf(WEBHOOK_TYPES)), required=True,
                        validate=validate.Length(min=1))

    @pre_load
    def comma_separated(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """``types=a,b`` (Eyeson's form) or a list."""
        if isinstance(data.get("types"), str):
            data = {**data, "types": [t.strip() for t in data["types"].split(",") if t.strip()]}
        return data


broadcast_schema = BroadcastSchema()
player_url_schema = PlayerUrlSchema()
layout_schema = LayoutSchema()
layer_schema = LayerSchema()
playback_schema = PlaybackSchema()
webhook_schema = WebhookSchema()
