"""Rooms, their one running session, and what nodes report about participants."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from app.core.db import utcnow
from app.extensions import db
from app.modules.hosts.models import Host
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.operations import personal_room, record_events, running_session
from app.modules.tenants.models import Company
from app.protocol.node_api import EventKind, NodeEvents, ParticipantEvent


@pytest.fixture
def room(ctx, make_reseller, make_company, make_host) -> dict[str, Any]:
    company_info = make_company(make_reseller())
    host_info = make_host(company_info)  # committed before this session reads (SQLite)
    company = db.session.get(Company, company_info["id"])
    host = db.session.get(Host, host_info["id"])
    assert company is not None and host is not None
    return {"company": company, "host": host, "room": personal_room(company, host)}


def test_a_hosts_personal_room_is_made_at_first_use_and_only_once(room):
    assert personal_room(room["company"], room["host"]).id == room["room"].id
    assert db.session.query(Room).count() == 1
    assert room["room"].company_id == room["company"].id


def test_starting_is_idempotent_and_ending_is_final(room):
    company, place = room["company"], room["room"]
    first = running_session(company, place)
    assert running_session(company, place).id == first.id
    first.ended_at = utcnow()
    db.session.flush()
    second = running_session(company, place)
    assert second.id != first.id and second.public_id != first.public_id


def test_the_database_refuses_a_second_running_session_in_a_room(room):
    company, place = room["company"], room["room"]
    running_session(company, place)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(MeetingSession(public_id="second", company_id=company.id,
                                      room_id=place.id))


def test_node_events_say_when_participants_joined_and_left(room):
    session = running_session(room["company"], room["room"])
    session.media_node = MediaNode(node_id="n", url="ws://n", control_url="http://n",
                                   started_at=utcnow(), last_heartbeat_at=utcnow())
    ann = Participant(public_id="ann", session_id=session.id, display_name="Ann",
                      role="attendee")
    db.session.add(ann)
    db.session.flush()
    joined, left = time.time() - 60, time.time()

    def event(kind: EventKind, participant_id: str, at: float) -> ParticipantEvent:
        return ParticipantEvent(kind=kind, session_id=session.public_id,
                                participant_id=participant_id, at=at)

    record_events(NodeEvents(node_id="n", events=[
        event(EventKind.JOINED, "ann", joined), event(EventKind.TALKING, "ann", joined + 1),
        event(EventKind.JOINED, "nobody-we-know", joined), event(EventKind.LEFT, "ann", left)]))
    db.session.refresh(ann)
    assert ann.joined_at == datetime.fromtimestamp(joined, UTC)
    assert ann.left_at == datetime.fromtimestamp(left, UTC)

    # Another node cannot rewrite the participants of a session it does not carry.
    record_events(NodeEvents(node_id="elsewhere", events=[event(EventKind.LEFT, "ann", 0)]))
    db.session.refresh(ann)
    assert ann.left_at == datetime.fromtimestamp(left, UTC)
