"""Requests and answers of livestream/get: a host's room's live stream."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.core.schemas import StrictSchema, id_field


class LiveStreamRequestSchema(StrictSchema):
    host_id = id_field(required=True)


class LiveStreamSchema(Schema):
    """The player's URL (embeddable) and whether the room is live now."""

    player_url = fields.String()
    state = fields.String(attribute="state.value",
                          metadata={"enum": ["not_live", "live", "ended"]})
    reason = fields.String(metadata={"description": "Why the last live stream failed"})


livestream_request_schema = LiveStreamRequestSchema()
livestream_schema = LiveStreamSchema()
