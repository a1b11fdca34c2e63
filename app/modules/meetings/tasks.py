from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs import enqueue, job_handler
from app.modules.hosts.operations import HOST_DELETED
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.operations import is_alive
from app.modules.meetings import outbox
from app.modules.meetings.commands import end_session
from app.modules.meetings.models import MeetingSession, Room
from app.modules.meetings.operations import SESSION_ENDED
from app.modules.meetings.room_rules import (
    END_AFTER_DURATION,
    END_WITHOUT_MODERATOR,
    due,
    end_without_moderator_at,
)
from app.modules.meetings.scheduling import CLOSE_ROOM
from app.modules.tenants.models import Company, Tenant
from app.protocol import node_api


@job_handler(HOST_DELETED)
def end_deleted_hosts_meeting(payload: dict[str, Any]) -> None:
    """A deleted host's rooms (personal and scheduled) have no meeting."""
    _end(_running(Room.organizer_id == payload["host_id"]), "the host was deleted",
         outbox.ENDED_HOST_DELETED)


@job_handler(CLOSE_ROOM)
def close_room(payload: dict[str, Any]) -> None:
    """A scheduled room's window is over (or it was cancelled): its meeting
    ends. A room rescheduled since this job was queued has a job of its own."""
    room = db.session.get(Room, payload["room_id"])
    if room is None or room.closes_at != datetime.fromisoformat(payload["closes_at"]):
        return
    _end(_running(Room.id == room.id), "the meeting's time is over", outbox.ENDED_ROOM_CLOSED)


@job_handler(END_AFTER_DURATION)
def end_after_duration(payload: dict[str, Any]) -> None:
    """The room's duration_minutes ran out since the session started."""
    session = _still_running(payload["session_id"])
    if session is not None:
        end_session(_tenant_of(session), session, outbox.ENDED_DURATION)


@job_handler(END_WITHOUT_MODERATOR)
def end_without_moderator(payload: dict[str, Any]) -> None:
    """A moderator left a room that ends without moderators: end it if none
    came back within its delay; a later leaver's delay runs from their leaving."""
    session = _still_running(payload["session_id"])
    at = end_without_moderator_at(session) if session is not None else None
    if session is None or at is None:
        return
    if due(at, utcnow()):
        end_session(_tenant_of(session), session, outbox.ENDED_NO_MODERATOR)
    else:
        enqueue(END_WITHOUT_MODERATOR, payload, run_at=at)


def _still_running(session_id: int) -> MeetingSession | None:
    session = db.session.get(MeetingSession, session_id)
    return session if session is not None and session.ended_at is None else None


def _tenant_of(session: MeetingSession) -> Tenant:
    company = db.session.get(Company, session.company_id)
    assert company is not None
    return Tenant.of(company)


def _running(which: sa.ColumnElement[bool]) -> Sequence[MeetingSession]:
    return db.session.execute(
        sa.select(MeetingSession).join(Room, MeetingSession.room_id == Room.id)
        .where(which, MeetingSession.ended_at.is_(None))
    ).scalars().all()


def _end(sessions: Sequence[MeetingSession], reason: str, event_reason: str) -> None:
    """End each session for everyone. A live node that cannot be reached
    fails the job, which is tried again; a dead node's sessions are gone."""
    for session in sessions:
        node = session.media_node
        if node is not None and is_alive(node):  # draining too: it keeps its sessions
            send_control(node, node_api.EndSession(session_id=session.public_id,
                                                   reason=reason))
        session.ended_at = utcnow()
        enqueue(SESSION_ENDED, {"session_id": session.id})
        outbox.session_ended(session, event_reason)
    db.session.flush()
