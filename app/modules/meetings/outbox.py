"""The meeting and participant events of the outbox (docs/events.md), each
emitted by the operation that causes it, in its transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.modules.events.models import EventType
from app.modules.events.operations import emit, iso
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.tenants.models import Company

# MeetingEnded.reason: who or what ended it.
ENDED_BY_MODERATOR = "moderator"
ENDED_ROOM_CLOSED = "closed"  # a scheduled room's window is over, or it was cancelled
ENDED_HOST_DELETED = "host_deleted"
ENDED_BY_API = "api"  # an integrator ended it (BBB end, Eyeson DELETE /rooms)
ENDED_DURATION = "duration"  # the room's duration ran out
ENDED_NO_MODERATOR = "no_moderator"  # its last moderator left (end_when_no_moderator)


def session_started(session: MeetingSession) -> None:
    """meeting.started for a new session, and meeting.created before it when
    the room never had one (a personal room's first meeting, a conference's
    first start): a room is made long before it is used, so its first
    session is when a meeting comes into being for an integrator."""
    room = db.session.get(Room, session.room_id)
    assert room is not None
    earlier = db.session.execute(sa.select(sa.exists().where(
        MeetingSession.room_id == room.id, MeetingSession.id != session.id))).scalar()
    if not earlier:
        _emit(session, EventType.MEETING_CREATED, room)
    _emit(session, EventType.MEETING_STARTED, room)


def session_ended(session: MeetingSession, reason: str) -> None:
    assert session.ended_at is not None
    _emit(session, EventType.MEETING_ENDED, db.session.get(Room, session.room_id),
          ended_at=iso(session.ended_at), reason=reason)


def participant_changed(session_id: str, participant_id: str, joined: bool) -> None:
    """participant.joined or .left, after record_events stored the node's time."""
    row = db.session.execute(
        sa.select(Participant, MeetingSession).join(
            MeetingSession, Participant.session_id == MeetingSession.id)
        .where(Participant.public_id == participant_id,
               MeetingSession.public_id == session_id)).first()
    if row is None:
        return
    participant, session = row
    if participant.joined_at is None or (not joined and participant.left_at is None):
        return  # the node's report matched no row of this node (record_events)
    data: dict[str, Any] = {
        "session_id": session.public_id, "room_id": session.room_id,
        "participant_id": participant.public_id,
        "display_name": participant.display_name, "role": participant.role,
        "joined_at": iso(participant.joined_at)}
    if not joined:
        assert participant.left_at is not None
        data["left_at"] = iso(participant.left_at)
    emit(session.company_id, _reseller_of(session.company_id),
         EventType.PARTICIPANT_JOINED if joined else EventType.PARTICIPANT_LEFT, data)


def message_sent(session: MeetingSession, sender: Participant, kind: str, content: str,
                 sent_at: datetime) -> None:
    """message.sent: an API client's message, delivered to the meeting."""
    emit(session.company_id, _reseller_of(session.company_id), EventType.MESSAGE_SENT, {
        "session_id": session.public_id, "room_id": session.room_id,
        "participant_id": sender.public_id, "display_name": sender.display_name,
        "message_type": kind, "content": content, "sent_at": iso(sent_at)})


def _emit(session: MeetingSession, type: EventType, room: Room | None,
          **extra: Any) -> None:
    assert room is not None
    emit(session.company_id, _reseller_of(session.company_id), type, {
        "session_id": session.public_id, "room_id": room.id,
        "host_id": room.host_id or room.organizer_id,
        "started_at": iso(session.started_at), **extra})


def _reseller_of(company_id: int) -> int:
    return db.session.execute(
        sa.select(Company.reseller_id).where(Company.id == company_id)).scalar_one()
