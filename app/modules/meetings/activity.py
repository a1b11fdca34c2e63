"""What each participant did in a session, from the node's own event kinds
(node_api.EventKind: talk stretches, camera and screen-share time, chats,
hands), added up per participant (ParticipantActivity), and read back per
attendee for the analytics callback (issue H item 4, the dialects' part).

The node measures every duration where it starts and stops and reports it
once, at the stop; the web adds it to a counter with one UPDATE
(``col = col + n``), so concurrent event posts do not lose each other's
numbers. Counters rather than a log of every event: the callback only needs
the sums, and talk stretches alone would be many rows per minute."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.errors import NotFound
from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import MeetingSession, Participant, ParticipantActivity
from app.modules.tenants.models import Tenant
from app.protocol.node_api import EventKind, NodeEvents, ParticipantEvent

# The counter each kind adds to; a kind with a duration adds data["seconds"].
COUNTERS: dict[EventKind, str] = {
    EventKind.TALKING_STOPPED: "talk_seconds",
    EventKind.CAMERA_STOPPED: "camera_seconds",
    EventKind.SCREEN_SHARE_STOPPED: "screen_share_seconds",
    EventKind.CHAT_SENT: "chats",
    EventKind.HAND_RAISED: "hands_raised",
}
TIMED = {EventKind.TALKING_STOPPED, EventKind.CAMERA_STOPPED, EventKind.SCREEN_SHARE_STOPPED}
# One stretch longer than a day is no measurement (the longest meetings are hours).
MAX_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class AttendeeActivity:
    """One participant's numbers, as the analytics callback sends them."""

    participant_id: str  # the public id, as in join tokens and node events
    display_name: str
    role: str
    joined_at: datetime | None  # the latest join the node reported
    left_at: datetime | None  # the latest leave (None: still in, or never came)
    talk_seconds: float
    chats: int
    hands_raised: int
    reactions: int  # the meeting page has no emoji reactions yet: 0
    camera_seconds: float
    screen_share_seconds: float


def record_activity(events: NodeEvents) -> None:
    """Add what the node ``events`` counted to its participants' activity;
    only for sessions placed on the node that reports them."""
    for event in events.events:
        column = COUNTERS.get(event.kind)
        amount = _amount(event)
        if column is None or amount is None:
            continue
        participant_id = db.session.scalar(
            sa.select(Participant.id)
            .join(MeetingSession, MeetingSession.id == Participant.session_id)
            .join(MeetingSession.media_node)
            .where(Participant.public_id == event.participant_id,
                   MeetingSession.public_id == event.session_id,
                   MediaNode.node_id == events.node_id))
        if participant_id is None:
            continue
        _ensure_row(participant_id)
        counter = getattr(ParticipantActivity, column)
        db.session.execute(
            sa.update(ParticipantActivity)
            .where(ParticipantActivity.participant_id == participant_id)
            .values({column: counter + amount}))


def session_activity(company: Tenant, session: MeetingSession) -> list[AttendeeActivity]:
    """Every participant of ``session`` who joined, in the order they first
    got their ticket, with their numbers (zeros when they did nothing)."""
    if session.company_id != company.id:
        raise NotFound("No meeting has this id")
    rows = db.session.execute(
        sa.select(Participant, ParticipantActivity)
        .outerjoin(ParticipantActivity,
                   ParticipantActivity.participant_id == Participant.id)
        .where(Participant.session_id == session.id, Participant.joined_at.is_not(None))
        .order_by(Participant.id)).all()
    return [_attendee(participant, activity) for participant, activity in rows]


def _attendee(participant: Participant,
              activity: ParticipantActivity | None) -> AttendeeActivity:
    counts: Sequence[float] = (
        (activity.talk_seconds, activity.chats, activity.hands_raised, activity.reactions,
         activity.camera_seconds, activity.screen_share_seconds)
        if activity is not None else (0.0, 0, 0, 0, 0.0, 0.0))
    return AttendeeActivity(
        participant_id=participant.public_id, display_name=participant.display_name,
        role=participant.role, joined_at=participant.joined_at, left_at=participant.left_at,
        talk_seconds=round(counts[0], 1), chats=int(counts[1]), hands_raised=int(counts[2]),
        reactions=int(counts[3]), camera_seconds=round(counts[4], 1),
        screen_share_seconds=round(counts[5], 1))


def _amount(event: ParticipantEvent) -> float | None:
    """What ``event`` adds: 1, or its seconds; None for a duration that is no
    number of seconds (a node of another version, say): it adds nothing."""
    if event.kind not in TIMED:
        return 1
    try:
        seconds = float(event.data.get("seconds", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_SECONDS else None


def _ensure_row(participant_id: int) -> None:
    if db.session.get(ParticipantActivity, participant_id) is not None:
        return
    try:
        with db.session.begin_nested():  # another post may create it first
            db.session.add(ParticipantActivity(participant_id=participant_id))
    except IntegrityError:
        pass
