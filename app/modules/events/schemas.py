"""What ``data`` holds for each event type: one StrictSchema per type, which
``emit`` loads every payload with (a payload that does not fit is a
programming error, caught by the tests). Ids are as the APIs show them:
public strings for sessions, participants, recordings and outputs; integers
for hosts, rooms and conferences (the enterprise API's ids). Times are
ISO-8601 UTC with a ``Z`` (``iso``). docs/events.md shows an example of each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import fields, validate

from app.core.schemas import StrictSchema
from app.modules.events.models import EventType

ISO_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"


def iso(moment: datetime) -> str:
    """A UTC time as every event carries it: 2026-12-01T15:30:00.123456Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _time(**kwargs: Any) -> fields.Field:
    return fields.String(validate=validate.Regexp(ISO_UTC, error="Not an ISO-8601 UTC time."),
                         **kwargs)


def _public_id(**kwargs: Any) -> fields.Field:
    return fields.String(validate=validate.Length(1, 40), **kwargs)


def _int_id(**kwargs: Any) -> fields.Field:
    return fields.Integer(strict=True, validate=validate.Range(min=1), **kwargs)


class _Meeting(StrictSchema):
    session_id = _public_id(required=True)
    room_id = _int_id(required=True)
    host_id = _int_id(required=True, allow_none=True)  # the room's host or organizer
    started_at = _time(required=True)


class MeetingEnded(_Meeting):
    ended_at = _time(required=True)
    # moderator (commands.end), closed (a scheduled room's window is over or it was
    # cancelled: the close job), host_deleted (the deleted host's job)
    reason = fields.String(required=True, validate=validate.OneOf(
        ("moderator", "closed", "host_deleted", "api", "duration", "no_moderator")))


class _Participant(StrictSchema):
    session_id = _public_id(required=True)
    room_id = _int_id(required=True)
    participant_id = _public_id(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    joined_at = _time(required=True)


class ParticipantLeft(_Participant):
    left_at = _time(required=True)


class MessageSent(StrictSchema):
    """A message an API client sent to a meeting (never a participant's chat)."""

    session_id = _public_id(required=True)
    room_id = _int_id(required=True)
    participant_id = _public_id(required=True)  # in whose name it was sent
    display_name = fields.String(required=True)
    message_type = fields.String(required=True, validate=validate.OneOf(("chat", "custom")))
    content = fields.String(required=True)
    sent_at = _time(required=True)


class _Recording(StrictSchema):
    recording_id = _public_id(required=True)
    session_id = _public_id(required=True)
    room_id = _int_id(required=True)
    host_id = _int_id(required=True, allow_none=True)
    audio_only = fields.Boolean(required=True)
    started_at = _time(required=True)


class RecordingReady(_Recording):
    ended_at = _time(required=True, allow_none=True)
    duration_seconds = fields.Float(required=True, allow_none=True)
    size_bytes = fields.Integer(strict=True, required=True, allow_none=True)
    # "partial" is a Schema attribute: the field takes another Python name.
    partial_ = fields.Boolean(data_key="partial", required=True)


class RecordingDeleted(_Recording):
    deleted_at = _time(required=True)


class _Livestream(StrictSchema):
    output_id = _public_id(required=True)
    session_id = _public_id(required=True)
    room_id = _int_id(required=True)


class LivestreamStopped(_Livestream):
    state = fields.String(required=True, validate=validate.OneOf(("stopped", "failed")))
    reason = fields.String(required=True)


class SnapshotCreated(_Livestream):
    created_at = _time(required=True)


class _Conference(StrictSchema):
    conference_id = _int_id(required=True)
    host_id = _int_id(required=True)
    room_id = _int_id(required=True)
    subject = fields.String(required=True)
    time_zone = fields.String(required=True)
    start_at = _time(required=True)
    end_at = _time(required=True)
    sequence = fields.Integer(strict=True, required=True)


class ConferenceCancelled(_Conference):
    cancelled_at = _time(required=True)


class _Host(StrictSchema):
    host_id = _int_id(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)


SCHEMAS: dict[EventType, StrictSchema] = {
    EventType.MEETING_CREATED: _Meeting(),
    EventType.MEETING_STARTED: _Meeting(),
    EventType.MEETING_ENDED: MeetingEnded(),
    EventType.PARTICIPANT_JOINED: _Participant(),
    EventType.PARTICIPANT_LEFT: ParticipantLeft(),
    EventType.MESSAGE_SENT: MessageSent(),
    EventType.RECORDING_STARTED: _Recording(),
    EventType.RECORDING_READY: RecordingReady(),
    EventType.RECORDING_DELETED: RecordingDeleted(),
    EventType.LIVESTREAM_STARTED: _Livestream(),
    EventType.LIVESTREAM_STOPPED: LivestreamStopped(),
    EventType.BROADCAST_STARTED: _Livestream(),
    EventType.BROADCAST_STOPPED: LivestreamStopped(),
    EventType.SNAPSHOT_CREATED: SnapshotCreated(),
    EventType.CONFERENCE_SCHEDULED: _Conference(),
    EventType.CONFERENCE_UPDATED: _Conference(),
    EventType.CONFERENCE_CANCELLED: ConferenceCancelled(),
    EventType.HOST_CREATED: _Host(),
    EventType.HOST_DELETED: _Host(),
}
