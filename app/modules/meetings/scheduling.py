"""Scheduled rooms: a room that is open only from a while before its start
until a while after its end, at its own address (a one-time access code) or,
without one, at its organizer's personal address during that window.

What a room address names right now is answered here too (``address_at``),
so the meeting page and the join API agree on which room a code opens."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from app.core.db import utcnow
from app.core.security import random_digits
from app.errors import NotFound
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.hosts.models import Host
from app.modules.hosts.operations import NO_ROOM
from app.modules.meetings.models import MeetingSession, Room
from app.modules.settings.operations import company_defaults
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url
from app.protocol.signalling import MuteMode

ROOM_CODE_DIGITS = 9
CLOSE_ROOM = "meetings.close_room"  # job kind: payload {"room_id", "closes_at"}
_INVITE_SALT = "confera.room-invite"


@dataclass(frozen=True)
class RoomPlan:
    """What a scheduler asks of a room."""

    starts_at: datetime  # timezone-aware UTC
    duration_minutes: int
    security_pin: str | None
    mute_mode: MuteMode | None
    auto_record: str  # none | video | audio
    own_code: bool  # its own access code, else the organizer's address in its window
    title: str | None = None  # shown on its waiting page


class RoomState(enum.StrEnum):
    WAITING = "waiting"  # before it opens
    OPEN = "open"
    CLOSED = "closed"  # after its window, or cancelled


def state_of(room: Room | None, now: datetime) -> RoomState:
    """A personal room (or none yet) is always open."""
    if room is None or room.opens_at is None or room.closes_at is None:
        return RoomState.OPEN
    if now >= room.closes_at:
        return RoomState.CLOSED
    return RoomState.WAITING if now < room.opens_at else RoomState.OPEN


@dataclass(frozen=True)
class Address:
    """What ``/conf/call/<code>`` names now: its organizer, and the room that
    opens there (None: the organizer's personal room, never used yet)."""

    organizer: Host
    room: Room | None

    @property
    def scheduled(self) -> bool:
        return self.room is not None and self.room.opens_at is not None


def address_at(company: Tenant, code: str, now: datetime | None = None) -> Address:
    """The room at ``code``: a host's address opens the scheduled room of that
    host whose window holds ``now`` (the one that opens first), else the host's
    personal room; a scheduled room's own code opens that room in any state.
    404 (NO_ROOM) otherwise."""
    now = now or utcnow()
    host = db.session.execute(
        sa.select(Host).where(Host.company_id == company.id, Host.access_code == code,
                              Host.deleted_at.is_(None))
    ).scalar()
    if host is not None:
        scheduled = db.session.execute(
            sa.select(Room).where(Room.company_id == company.id, Room.organizer_id == host.id,
                                  Room.access_code.is_(None), Room.opens_at <= now,
                                  Room.closes_at > now)
            .order_by(Room.opens_at, Room.id).limit(1)
        ).scalar()
        if scheduled is not None:
            return Address(host, scheduled)
        personal = db.session.execute(sa.select(Room).where(Room.host_id == host.id)).scalar()
        return Address(host, personal)
    room = db.session.execute(
        sa.select(Room).where(Room.company_id == company.id, Room.access_code == code)
    ).scalar()
    if room is None or room.organizer is None or room.organizer.deleted_at is not None:
        raise NotFound(NO_ROOM)
    return Address(room.organizer, room)


def answers_to(room: Room, code: str) -> bool:
    """Whether ``code`` may have opened ``room`` (a page resuming after the
    address moved on to another room keeps its meeting)."""
    if room.access_code is not None:
        return room.access_code == code
    return room.organizer is not None and room.organizer.access_code == code


def schedule_room(company: Tenant, organizer: Host, plan: RoomPlan) -> Room:
    """A new scheduled room of ``organizer``, closed by a job at its end."""
    assert organizer.company_id == company.id
    room = Room(company_id=company.id, organizer_id=organizer.id)
    room.organizer = organizer
    db.session.add(room)
    return reschedule_room(company, room, plan)


def reschedule_room(company: Tenant, room: Room, plan: RoomPlan) -> Room:
    """Apply ``plan`` to a scheduled room: window, rules, address. A meeting
    running in it keeps running; the new window's end closes it."""
    assert room.company_id == company.id
    defaults = company_defaults(company)
    room.starts_at = plan.starts_at
    room.opens_at = plan.starts_at - timedelta(minutes=defaults["early_join_minutes"])
    room.closes_at = plan.starts_at + timedelta(
        minutes=plan.duration_minutes + defaults["close_grace_minutes"])
    room.security_pin = plan.security_pin
    room.mute_mode = plan.mute_mode
    room.auto_record = plan.auto_record
    room.title = plan.title
    if not plan.own_code:
        room.access_code = None
    elif room.access_code is None:
        room.access_code = _free_room_code(company)
    db.session.flush()
    enqueue(CLOSE_ROOM, {"room_id": room.id, "closes_at": room.closes_at.isoformat()},
            run_at=room.closes_at)
    return room


def cancel_room(company: Tenant, room: Room) -> None:
    """Close the room now; a meeting running in it is ended by the close job."""
    assert room.company_id == company.id
    now = utcnow()
    room.closes_at = now
    if room.opens_at is None or room.opens_at > now:
        room.opens_at = now
    db.session.flush()
    enqueue(CLOSE_ROOM, {"room_id": room.id, "closes_at": now.isoformat()})


def room_url(company: Tenant, room: Room) -> str:
    """The address people join at: the room's own code, else its organizer's."""
    assert room.company_id == company.id and room.organizer is not None
    return company_url(company, f"/conf/call/{room.access_code or room.organizer.access_code}")


def set_moderators(company: Tenant, room: Room, emails: Iterable[str]) -> None:
    """Whom the room's moderator invitations admit from now on: a link made
    out to anyone else (a moderator since uninvited or made attendee) stops
    admitting at once."""
    assert room.company_id == company.id
    room.moderator_emails = sorted({email.lower() for email in emails})
    db.session.flush()


def moderator_url(company: Tenant, room: Room, email: str) -> str:
    """``room_url`` with an invitation that admits its holder as moderator
    while ``email`` is among the room's moderators (``set_moderators``)."""
    token = _invites().dumps({"room": room.id, "email": email.lower()})
    return f"{room_url(company, room)}?{urlencode({'invite': token})}"


def invited_moderator(room: Room, token: str) -> str | None:
    """The email a moderator invitation for ``room`` was made out to, if that
    email is still one of its moderators; else None."""
    try:
        claims = _invites().loads(token)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or claims.get("room") != room.id:
        return None
    email = claims.get("email")
    return email if isinstance(email, str) and email in room.moderator_emails else None


def is_active(company: Tenant, room: Room) -> bool:
    """Whether a meeting is running in the room now."""
    assert room.company_id == company.id
    return db.session.execute(
        sa.select(MeetingSession.id).where(MeetingSession.room_id == room.id,
                                           MeetingSession.ended_at.is_(None))
    ).first() is not None


def _invites() -> URLSafeSerializer:
    return URLSafeSerializer(settings().secret_key, salt=_INVITE_SALT)


def _free_room_code(company: Tenant) -> str:
    """A code no live host of the reseller and no room of its companies has."""
    while True:
        code = random_digits(ROOM_CODE_DIGITS)
        host = sa.select(Host.id).where(Host.reseller_id == company.reseller_id,
                                        Host.access_code == code, Host.deleted_at.is_(None))
        room = sa.select(Room.id).join(Host, Room.organizer_id == Host.id).where(
            Host.reseller_id == company.reseller_id, Room.access_code == code)
        if not db.session.execute(sa.union_all(host, room)).first():
            return code
