from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs import job_handler
from app.modules.hosts.operations import HOST_DELETED
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.operations import is_live
from app.modules.meetings.models import MeetingSession, Room
from app.protocol import node_api


@job_handler(HOST_DELETED)
def end_deleted_hosts_meeting(payload: dict[str, Any]) -> None:
    """A deleted host's room has no meeting: end its running session for
    everyone. A live node that cannot be reached fails the job, which is
    tried again; a dead node's sessions are gone already."""
    sessions = db.session.execute(
        sa.select(MeetingSession).join(Room, MeetingSession.room_id == Room.id)
        .where(Room.host_id == payload["host_id"], MeetingSession.ended_at.is_(None))
    ).scalars().all()
    for session in sessions:
        node = session.media_node
        if node is not None and is_live(node):
            send_control(node, node_api.EndSession(session_id=session.public_id,
                                                   reason="the host was deleted"))
        session.ended_at = utcnow()
    db.session.flush()
