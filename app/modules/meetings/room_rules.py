"""What a room's options (room_options.py) ask of its sessions and joins,
carried out by the domain: who may come in (max_participants, guest_policy
and its lobby), when a session ends by itself (duration_minutes,
end_when_no_moderator), whether it records by itself, and what each
participant's join grant allows (locks, webcams_only_for_moderator,
mute_on_start). A room without options (a personal or scheduled room) gets
the defaults, which change nothing. docs/room-options.md lists every option
and what carries it out."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import GuestsNotAllowed, MeetingFull, WaitingForModerator
from app.extensions import db
from app.jobs import enqueue
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.room_options import RoomOptions, options_of
from app.protocol.join_token import DEFAULT_PERMISSIONS, Permission, Role

# Job kinds, payload {"session_id"} (the row id).
END_AFTER_DURATION = "meetings.end_after_duration"
END_WITHOUT_MODERATOR = "meetings.end_without_moderator"

# Participant.admission of a guest in a lobby (guest_policy ask_moderator).
WAITING, ADMITTED, DENIED = "waiting", "admitted", "denied"
TURNED_AWAY = "A moderator did not let you in"
# The node stamps when people leave; this web's clock may be a little behind.
CLOCK_SLACK = timedelta(seconds=5)
# The roles a room's locks and webcam rule apply to (never moderators, nor the egress).
RESTRICTED_ROLES = frozenset({Role.ATTENDEE, Role.GUEST, Role.VIEWER})


def room_options(room: Room) -> RoomOptions:
    """The room's options with their defaults."""
    return options_of(room.options)


# --- who may come in ------------------------------------------------------------


def require_room_for(session: MeetingSession, guest: bool,
                     joining: Participant | None = None) -> None:
    """Refuse one more person in ``session``: a guest where the room denies
    guests (GuestsNotAllowed), anyone once the room's ``max_participants``
    are in (MeetingFull). ``joining``: a participant already made, who is
    not counted (a pass's page joining, or rejoining)."""
    options = room_options(session.room)
    if guest and options.guest_policy == "always_deny":
        raise GuestsNotAllowed("Guests may not join this meeting")
    limit = options.max_participants
    if limit and present_count(session, but=joining) >= limit:
        raise MeetingFull(f"The meeting is full: it takes at most {limit} participants")


def present_count(session: MeetingSession, but: Participant | None = None) -> int:
    """How many are in ``session`` as its node reports (never the recorder)."""
    select = sa.select(sa.func.count()).select_from(Participant).where(
        Participant.session_id == session.id, Participant.role != Role.RECORDER.value,
        _present())
    if but is not None:
        select = select.where(Participant.id != but.id)
    return int(db.session.execute(select).scalar_one())


def admission_for(session: MeetingSession, guest: bool) -> str | None:
    """A new guest waits in the lobby of a room that asks its moderators."""
    asks = room_options(session.room).guest_policy == "ask_moderator"
    return WAITING if guest and asks else None


def require_admitted(participant: Participant) -> None:
    """Refuse a guest still in the lobby (WaitingForModerator) or turned away."""
    if participant.admission == WAITING:
        raise WaitingForModerator("Waiting for a moderator to let you in")
    if participant.admission == DENIED:
        raise GuestsNotAllowed(TURNED_AWAY)


def in_lobby(session: MeetingSession) -> list[Participant]:
    """The guests waiting for a moderator, first come first."""
    return list(db.session.execute(sa.select(Participant).where(
        Participant.session_id == session.id, Participant.admission == WAITING,
        Participant.removed_at.is_(None)).order_by(Participant.id)).scalars())


# --- the join grant --------------------------------------------------------------


def permissions_for(room: Room, role: Role) -> frozenset[Permission]:
    """What ``role`` may do in ``room``: its defaults, narrowed for attendees
    by the room's locks (when they apply at join) and webcam rule."""
    permissions = DEFAULT_PERMISSIONS[role]
    if role not in RESTRICTED_ROLES:
        return permissions
    options = room_options(room)
    taken: set[Permission] = set()
    if options.webcams_only_for_moderator:
        taken.add(Permission.SEE_ALL_CAMERAS)
    lock = options.lock
    if lock.lock_on_join:
        taken.update(permission for locked, permission in (
            (lock.disable_camera, Permission.PUBLISH_VIDEO),
            (lock.disable_microphone, Permission.PUBLISH_AUDIO),
            (lock.disable_public_chat, Permission.CHAT_PUBLIC),
            (lock.disable_private_chat, Permission.CHAT_PRIVATE)) if locked)
    return permissions - taken


def starts_muted(room: Room) -> bool:
    return room_options(room).mute_on_start


# --- sessions that end or record by themselves -------------------------------------


def auto_record_mode(room: Room) -> str | None:
    """How a new session of ``room`` records by itself: the room's
    ``auto_record`` (video, audio), else video when its options record and
    start recording automatically; None: it does not."""
    if room.auto_record in ("video", "audio"):
        return room.auto_record
    options = room_options(room)
    return "video" if options.record and options.auto_start_recording else None


def schedule_session_end(session: MeetingSession, room: Room) -> None:
    """A new session of a room with a ``duration_minutes`` ends by itself then."""
    minutes = room_options(room).duration_minutes
    if minutes:
        enqueue(END_AFTER_DURATION, {"session_id": session.id},
                run_at=utcnow() + timedelta(minutes=minutes))


def moderator_left(session: MeetingSession, participant: Participant) -> None:
    """A moderator left ``session``: in a room that ends without moderators,
    a job ends it after the room's delay unless a moderator is back by then."""
    options = room_options(session.room)
    if participant.role != Role.MODERATOR.value or not options.end_when_no_moderator:
        return
    left = participant.left_at or utcnow()
    enqueue(END_WITHOUT_MODERATOR, {"session_id": session.id},
            run_at=left + timedelta(minutes=options.end_when_no_moderator_minutes))


def end_without_moderator_at(session: MeetingSession) -> datetime | None:
    """When ``session`` ends for want of a moderator: the room's delay after
    the last one left; None while one is in (or none ever came)."""
    moderators = sa.and_(Participant.session_id == session.id,
                         Participant.role == Role.MODERATOR.value)
    if db.session.execute(sa.select(sa.exists().where(moderators, _present()))).scalar():
        return None
    last_left = db.session.execute(
        sa.select(Participant.left_at).where(moderators, Participant.left_at.is_not(None))
        .order_by(Participant.left_at.desc()).limit(1)).scalar()
    if last_left is None:
        return None
    return last_left + timedelta(minutes=room_options(session.room).end_when_no_moderator_minutes)


def due(at: datetime, now: datetime) -> bool:
    """Whether a time the node stamped has come by this web's clock."""
    return at <= now + CLOCK_SLACK


def _present() -> sa.ColumnElement[bool]:
    """In the session as its node last reported, and not removed."""
    return sa.and_(Participant.joined_at.is_not(None), Participant.removed_at.is_(None),
                   sa.or_(Participant.left_at.is_(None),
                          Participant.left_at < Participant.joined_at))
