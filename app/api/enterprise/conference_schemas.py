"""The enterprise_api's conference documents, field for field and in the
order of the VivoMeetings document's conference/create (../shared/seeds),
plus ``participant_emails`` (the document's second example) and list paging.

Types and shapes are checked here; the rules (time zones, daylight saving
time, the past, who may be invited) are the domain's
(app/modules/conferences/plan.py), which the portal's form shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from app.api.enterprise.schemas import SECURITY_PIN_DIGITS, Digits, PageRequestSchema
from app.api.fields import MuteModeField
from app.core.schemas import LowerString, StrictBoolean, StrictSchema, id_field
from app.modules.conferences.plan import (
    AUTO_RECORD,
    MAX_AGENDA,
    MAX_DURATION_MINUTES,
    MAX_INVITEES,
    MAX_SUBJECT,
)

WALL_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
E164 = r"^\+[1-9][0-9]{6,14}$"


def _wall_time(**kwargs: Any) -> fields.Field:
    return fields.String(validate=validate.Regexp(WALL_TIME, error="Use YYYY-MM-DD HH:MM:SS."),
                         **kwargs)


class WallTime(fields.String):
    """A zone-aware time as the document writes it: ``2020-09-19 13:00:00``,
    on the clocks of the conference's time zone."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else None


class OneTimeAccessCode(fields.Integer):
    """The conference's own access code as a number, or ``false`` when it
    takes place at the host's own address (as the document shows it)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return int(value) if value else False


class ParticipantEmailSchema(StrictSchema):
    email = LowerString(required=True, validate=[validate.Email(), validate.Length(max=254)])
    moderator = StrictBoolean(load_default=False)
    # Confera's addition: reminders by text message (E.164, e.g. +14165551234).
    phone = fields.String(allow_none=True, validate=validate.Regexp(
        E164, error="Use the E.164 form, e.g. +14165551234."))


_subject = fields.String(validate=validate.Length(1, MAX_SUBJECT))
_agenda = fields.String(validate=validate.Length(max=MAX_AGENDA))
_zone = fields.String(validate=validate.Length(1, 64),
                      metadata={"description": "An IANA time zone, e.g. Europe/London"})
_duration = fields.Integer(strict=True, validate=validate.Range(1, MAX_DURATION_MINUTES),
                           metadata={"description": "Minutes"})
_auto_record = fields.String(validate=validate.OneOf(AUTO_RECORD))
_pin = Digits(*SECURITY_PIN_DIGITS, allow_none=True)  # a room's security PIN rule
_participants = fields.List(id_field(), validate=validate.Length(max=MAX_INVITEES))
_emails = fields.List(fields.Nested(ParticipantEmailSchema),
                      validate=validate.Length(max=MAX_INVITEES))


class ConferenceCreateSchema(StrictSchema):
    host_id = id_field(required=True)
    subject = fields.String(required=True, validate=validate.Length(1, MAX_SUBJECT))
    agenda = _agenda
    start = _wall_time(required=True, metadata={
        "description": "On the clocks of time_zone; a time that daylight saving time skips "
                       "is refused, one it repeats means its first occurrence"})
    time_zone = fields.String(required=True, validate=validate.Length(1, 64),
                              metadata={"description": "An IANA time zone, e.g. Europe/London"})
    duration = fields.Integer(strict=True, required=True,
                              validate=validate.Range(1, MAX_DURATION_MINUTES),
                              metadata={"description": "Minutes"})
    auto_record = _auto_record
    auto_transcribe = StrictBoolean()
    one_time_access_code = StrictBoolean()
    security_pin = _pin
    mute_mode = MuteModeField(allow_none=True)
    participants = _participants
    participant_emails = _emails


class ConferenceIdSchema(StrictSchema):
    conference_id = id_field(required=True)


class ConferenceUpdateSchema(ConferenceIdSchema):
    subject = _subject
    agenda = _agenda
    start = _wall_time(metadata={"description": "On the clocks of time_zone (given, else the "
                                                "conference's)"})
    time_zone = _zone
    duration = _duration
    auto_record = _auto_record
    auto_transcribe = StrictBoolean()
    one_time_access_code = StrictBoolean()
    security_pin = _pin
    mute_mode = MuteModeField(allow_none=True)
    participants = _participants
    participant_emails = _emails


class ConferenceListSchema(PageRequestSchema):
    host_id = id_field()
    from_ = _wall_time(data_key="from", metadata={"description": "In time_zone (default UTC)"})
    to = _wall_time(metadata={"description": "In time_zone (default UTC)"})
    time_zone = _zone


class ParticipantEmailDocument(Schema):
    email = fields.String()
    moderator = fields.Boolean()
    phone = fields.String(allow_none=True)


class ConferenceSchema(Schema):
    """The conference document, in the document's order."""

    conference_id = fields.Integer()
    subject = fields.String()
    agenda = fields.String()
    start = WallTime()
    end_time = WallTime()
    active = fields.Boolean()
    time_zone = fields.String()
    duration = fields.Integer()
    auto_record = fields.String()
    auto_transcribe = fields.Boolean()
    one_time_access_code = OneTimeAccessCode(metadata={
        "description": "The conference's own access code, or false when it takes place at "
                       "the host's own address"})
    security_pin = fields.String(allow_none=True)
    mute_mode = MuteModeField(allow_none=True)
    participants = fields.List(fields.Integer())
    participant_emails = fields.List(fields.Nested(ParticipantEmailDocument))


class ConferencePageSchema(Schema):
    conferences = fields.List(fields.Nested(ConferenceSchema), attribute="items")
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


conference_create_schema = ConferenceCreateSchema()
conference_id_schema = ConferenceIdSchema()
conference_update_schema = ConferenceUpdateSchema()
conference_list_schema = ConferenceListSchema()
conference_schema = ConferenceSchema()
conference_page_schema = ConferencePageSchema()
