"""Integration rooms: rooms that an API client (a dialect: BBB, the rooms
API) names by its own id, with the options and metadata it gave. They have no
organizer and no address: people join them by pass (passes.py), and the
client manages their sessions with ``commands.AS_INTEGRATOR``.

The dialect decides what its ids and parameters mean; this module only keeps
them per company and ``namespace`` (one per dialect), so that two dialects'
ids never meet and a meeting is the same meeting whichever API ends it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from app.core.pagination import Page, paginate
from app.core.security import constant_time_equal
from app.extensions import db
from app.modules.events.models import Event
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.operations import get_or_create
from app.modules.tenants.models import Company, Tenant
from app.protocol.join_token import Role


def find_integration_room(company: Tenant, namespace: str, external_id: str) -> Room | None:
    return db.session.execute(sa.select(Room).where(
        Room.company_id == company.id, Room.namespace == namespace,
        Room.external_id == external_id)).scalar()


def integration_room(company: Tenant, namespace: str, external_id: str, *,
                     title: str | None = None, options: Mapping[str, Any] | None = None,
                     meta: Mapping[str, str] | None = None,
                     integration_data: Mapping[str, Any] | None = None,
                     moderator_password: str | None = None,
                     attendee_password: str | None = None) -> tuple[Room, bool]:
    """The room ``external_id`` of ``namespace`` and whether this call made
    it; a room that exists is returned as it is (the dialect compares and
    updates, ``update_integration_room``). Concurrent calls make one room."""
    made: list[Room] = []

    def make() -> Room:
        made.append(Room(company_id=company.id, namespace=namespace, external_id=external_id,
                         title=title, options=dict(options or {}), meta=dict(meta or {}),
                         integration_data=dict(integration_data or {}),
                         moderator_password=moderator_password,
                         attendee_password=attendee_password))
        return made[-1]

    room = get_or_create(lambda: find_integration_room(company, namespace, external_id), make)
    db.session.flush()
    return room, bool(made) and room is made[-1]


def role_for_password(room: Room, password: str) -> Role | None:
    """The role that ``password`` gives in ``room`` (its moderator or
    attendee password), or None for neither; compared in constant time."""
    for role, expected in ((Role.MODERATOR, room.moderator_password),
                           (Role.ATTENDEE, room.attendee_password)):
        if expected is not None and constant_time_equal(password, expected):
            return role
    return None


def update_integration_room(company: Tenant, room: Room, **changes: Any) -> Room:
    """Set the room's columns that ``integration_room`` takes (a new create
    of an idle room); applies to its next session."""
    assert room.company_id == company.id and room.external_id is not None
    allowed = {"title", "options", "meta", "integration_data", "moderator_password",
               "attendee_password"}
    for key, value in changes.items():
        if key not in allowed:
            raise TypeError(f"not an integration room setting: {key}")
        setattr(room, key, value)
    db.session.flush()
    return room


def current_session(company: Tenant, room: Room) -> MeetingSession | None:
    """The room's running session, if it has one (does not start one)."""
    assert room.company_id == company.id
    return db.session.execute(sa.select(MeetingSession).where(
        MeetingSession.room_id == room.id, MeetingSession.ended_at.is_(None))).scalar()


def last_session(company: Tenant, room: Room) -> MeetingSession | None:
    """The room's latest session, running or ended."""
    assert room.company_id == company.id
    return db.session.execute(sa.select(MeetingSession).where(
        MeetingSession.room_id == room.id).order_by(MeetingSession.id.desc()).limit(1)).scalar()


def find_session(company: Tenant, public_id: str) -> MeetingSession | None:
    """A session of ``company`` by its public id, running or ended."""
    return db.session.execute(sa.select(MeetingSession).where(
        MeetingSession.public_id == public_id,
        MeetingSession.company_id == company.id)).scalar()


def running_sessions(company: Tenant, namespace: str | None, page: int,
                     per_page: int) -> Page[MeetingSession]:
    """The company's running sessions (of ``namespace``'s rooms when given),
    oldest first."""
    select = sa.select(MeetingSession).join(Room, MeetingSession.room_id == Room.id).where(
        MeetingSession.company_id == company.id, MeetingSession.ended_at.is_(None))
    if namespace is not None:
        select = select.where(Room.namespace == namespace)
    return paginate(select, MeetingSession.id, page, per_page)


def session_participants(company: Tenant, session: MeetingSession,
                         present_only: bool = True) -> list[Participant]:
    """Who is in the session as its node reports (``present_only``), or every
    participant ever let in, in the order they were; never the recorder."""
    assert session.company_id == company.id
    select = sa.select(Participant).where(Participant.session_id == session.id,
                                          Participant.role != "recorder")
    if present_only:
        select = select.where(Participant.joined_at.is_not(None), Participant.removed_at.is_(None),
                              sa.or_(Participant.left_at.is_(None),
                                     Participant.left_at < Participant.joined_at))
    return list(db.session.execute(select.order_by(Participant.id)).scalars())


def meeting_of_event(event: Event, namespace: str) -> tuple[Tenant, Room, MeetingSession] | None:
    """The company, integration room of ``namespace`` and session an outbox
    event is about (a dialect's delivery renders it); None for an event of
    another kind of room, or of no session."""
    room = db.session.get(Room, event.data.get("room_id") or 0)
    if room is None or room.company_id != event.company_id or room.namespace != namespace:
        return None
    session = db.session.execute(sa.select(MeetingSession).where(
        MeetingSession.public_id == event.data.get("session_id", ""),
        MeetingSession.room_id == room.id)).scalar()
    company = db.session.get(Company, event.company_id)
    if session is None or company is None:
        return None
    return Tenant.of(company), room, session
