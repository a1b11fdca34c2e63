"""A BBB meeting as its media node sees it, for the hook and callback tests:
its session placed on a node whose control endpoint accepts every command
(tests/modules/events/fake_node.py), participants joined through BBB join,
their joins, leaves and activity reported as the node reports them
(record_events), and the worker that sends the deliveries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.core.db import utcnow
from app.extensions import db
from app.jobs.worker import Worker
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.operations import record_events
from app.protocol.node_api import EventKind, NodeEvents, ParticipantEvent
from tests.api.bbb.signing import BbbCaller

NODE = "bbb-node"


@dataclass
class LiveMeeting:
    app: Flask
    bbb: BbbCaller
    meeting_id: str
    session_id: str = ""

    def start(self, control_url: str, **params: str) -> None:
        """create the meeting (mp/ap) and place its session on the node."""
        answer = self.bbb.call("create", {"meetingID": self.meeting_id, "moderatorPW": "mp",
                                          "attendeePW": "ap", **params})
        assert answer.returncode == "SUCCESS", answer.message_key
        with self.app.app_context():
            session = db.session.execute(
                sa.select(MeetingSession).join(Room, Room.id == MeetingSession.room_id)
                .where(Room.external_id == self.meeting_id,
                       MeetingSession.ended_at.is_(None))).scalar_one()
            node = db.session.execute(sa.select(MediaNode).where(
                MediaNode.node_id == NODE)).scalar()
            session.media_node = node or MediaNode(
                node_id=NODE, url="ws://127.0.0.1:1", control_url=control_url,
                started_at=utcnow(), last_heartbeat_at=utcnow())
            self.session_id = session.public_id
            db.session.commit()

    def join(self, name: str, password: str, **params: str) -> str:
        """BBB join; the participant's public id."""
        response = self.bbb.get("join", {"meetingID": self.meeting_id, "fullName": name,
                                         "password": password, **params})
        assert response.status_code == 302, response.get_data(as_text=True)
        with self.app.app_context():
            return db.session.execute(sa.select(Participant.public_id).where(
                Participant.display_name == name).order_by(Participant.id.desc())
            ).scalars().first() or ""

    def report(self, participant_id: str, kind: EventKind, **data: Any) -> None:
        """One event of the node, as it posts it."""
        with self.app.app_context():
            record_events(NodeEvents(node_id=NODE, events=[ParticipantEvent(
                kind=kind, session_id=self.session_id, participant_id=participant_id,
                at=time.time(), data={k: str(v) for k, v in data.items()})]))
            db.session.commit()

    def end(self) -> None:
        assert self.bbb.call("end", {"meetingID": self.meeting_id,
                                     "password": "mp"}).returncode == "SUCCESS"


def deliver(worker: Worker) -> None:
    """Run every job due, retries included (the clock an hour on)."""
    for _ in range(50):
        if not worker.run_until_idle(now=utcnow() + timedelta(hours=1)):
            return
    raise AssertionError("the worker never went idle")
