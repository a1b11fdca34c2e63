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
from app.modules.media_nodes.operations import is_live
from app.modules.meetings import outbox
from app.modules.meetings.models import MeetingSession, Room
from app.modules.meetings.operations import SESSION_ENDED
from app.modules.meetings.scheduling import CLOSE_ROOM
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
        if node is not None and is_live(node):
            send_control(node, node_api.EndSession(session_id=session.public_id,
                                                   reason=reason))
        session.ended_at = utcnow()
        enqueue(SESSION_ENDED, {"session_id": session.id})
        outbox.session_ended(session, event_reason)
    db.session.flush()
