"""The enterprise_api's recording documents (recording/list, get, delete).
A recording is named by its public id, a string (BBB's recordID)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.enterprise.schemas import PageRequestSchema
from app.core.schemas import StrictSchema, id_field

_recording_id = fields.String(required=True, validate=[
    validate.Length(1, 32), validate.Regexp(r"^[A-Za-z0-9_-]+$", error="Not a recording id.")])


class RecordingListSchema(PageRequestSchema):
    company_id = id_field(metadata={"description": "A company in the caller's scope"})
    host_id = id_field(metadata={"description": "The host whose rooms were recorded"})
    conference_id = id_field(metadata={"description": "The conference whose room was recorded"})


class RecordingIdSchema(StrictSchema):
    recording_id = _recording_id


class RecordingSchema(Schema):
    recording_id = fields.String()
    host_id = fields.Integer(allow_none=True)
    room_id = fields.Integer()
    session_id = fields.String()
    state = fields.String(metadata={
        "description": "recording, processing, published, unpublished or failed"})
    # (named apart: Schema has an attribute "partial" of its own)
    partial_ = fields.Boolean(data_key="partial", attribute="partial", metadata={
        "description": "The recording stopped early (its egress failed): what was stored"})
    audio_only = fields.Boolean()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)
    size_bytes = fields.Integer(allow_none=True)
    failure_reason = fields.String()
    download_url = fields.String(allow_none=True, metadata={
        "description": "recording/get only, once published: an expiring link to the MP4 "
                       "(M4A for audio only)"})
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "When download_url stops working"})


class RecordingPageSchema(Schema):
    recordings = fields.List(fields.Nested(RecordingSchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


recording_list_schema = RecordingListSchema()
recording_id_schema = RecordingIdSchema()
recording_schema = RecordingSchema()
recording_page_schema = RecordingPageSchema()
