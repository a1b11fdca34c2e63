"""The meeting documents of create, getMeetingInfo and getMeetings, field
by field in the reference's order."""

from __future__ import annotations

from datetime import datetime

from app.api.bbb.responses import Field, epoch_millis
from app.api.bbb.rooms import create_params, internal_meeting_id, stored
from app.modules.meetings.integration import session_participants
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.room_options import options_of
from app.modules.tenants.models import Tenant
from app.protocol.join_token import Role

DUPLICATE_MESSAGE = "This conference was already in existence and may currently be in progress."


def create_fields(company: Tenant, room: Room, session: MeetingSession,
                  duplicate: bool) -> list[Field]:
    """create's answer (after returncode). A session this create started has
    had nobody in yet."""
    params = create_params(room)
    fields: list[Field] = [
        ("meetingID", room.external_id), *_ids(room, session),
        ("parentMeetingID", params.get("parentMeetingID", "bbb-none")),
        ("attendeePW", room.attendee_password), ("moderatorPW", room.moderator_password),
        ("createTime", session.started_at), ("voiceBridge", stored(room, "voiceBridge")),
        ("dialNumber", params.get("dialNumber")), ("createDate", create_date(session.started_at)),
        ("hasUserJoined", duplicate and has_user_joined(company, session)),
        ("duration", options_of(room.options).duration_minutes),
        ("hasBeenForciblyEnded", False),
    ]
    if duplicate:
        fields += [("messageKey", "duplicateWarning"), ("message", DUPLICATE_MESSAGE)]
    return fields


def meeting_fields(company: Tenant, room: Room, session: MeetingSession) -> list[Field]:
    """getMeetingInfo's answer (after returncode), also each of getMeetings'."""
    options = options_of(room.options)
    params = create_params(room)
    joined = has_user_joined(company, session)
    present = session_participants(company, session)
    moderators = [p for p in present if p.role == Role.MODERATOR.value]
    return [
        ("meetingName", room.title or ""), ("meetingID", room.external_id), *_ids(room, session),
        ("createTime", session.started_at), ("createDate", create_date(session.started_at)),
        ("voiceBridge", stored(room, "voiceBridge")), ("dialNumber", params.get("dialNumber")),
        ("attendeePW", room.attendee_password), ("moderatorPW", room.moderator_password),
        ("running", joined), ("duration", options.duration_minutes), ("hasUserJoined", joined),
        ("recording", options.record), ("hasBeenForciblyEnded", False),
        ("startTime", session.started_at), ("endTime", 0),
        ("participantCount", len(present)), ("listenerCount", 0),
        ("voiceParticipantCount", 0), ("videoCount", 0),
        ("maxUsers", options.max_participants), ("moderatorCount", len(moderators)),
        ("attendees", [attendee(p) for p in present]),
        ("metadata", dict(room.meta or {})),
        ("isBreakout", params.get("isBreakout", "false").lower() == "true"),
    ]


def attendee(participant: Participant) -> Field:
    """One attendee: what the media node does not report (voice, video,
    presenter) is false."""
    return ("attendee", [
        ("userID", participant.external_user_id or participant.public_id),
        ("fullName", participant.display_name),
        ("role", "MODERATOR" if participant.role == Role.MODERATOR.value else "VIEWER"),
        ("isPresenter", False), ("isListeningOnly", False), ("hasJoinedVoice", False),
        ("hasVideo", False), ("clientType", "HTML5"),
    ])


def has_user_joined(company: Tenant, session: MeetingSession) -> bool:
    """Whether anyone has come in (BBB's meeting runs from then on)."""
    return any(p.joined_at is not None
               for p in session_participants(company, session, present_only=False))


def create_time(session: MeetingSession) -> int:
    return epoch_millis(session.started_at)


def create_date(moment: datetime) -> str:
    """BBB's createDate: ``Tue Jul 10 16:36:25 UTC 2018``."""
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def _ids(room: Room, session: MeetingSession) -> list[Field]:
    assert room.external_id is not None
    return [("internalMeetingID", internal_meeting_id(room.external_id, create_time(session)))]
