"""Per-participant activity from the node's event kinds (issue H, item 5):
what each kind adds, what adds nothing, and what ``session_activity`` hands
the analytics callback for a scripted session."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from app.core.db import utcnow
from app.errors import NotFound
from app.extensions import db
from app.modules.hosts.models import Host
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.activity import AttendeeActivity, session_activity
from app.modules.meetings.models import MeetingSession, Participant, ParticipantActivity
from app.modules.meetings.operations import personal_room, record_events, running_session
from app.modules.tenants.models import Company, Tenant
from app.protocol.node_api import EventKind, NodeEvents, ParticipantEvent

COLUMNS = ("talk_seconds", "camera_seconds", "screen_share_seconds", "chats", "hands_raised",
           "reactions")


@pytest.fixture
def meeting(ctx, make_reseller, make_company, make_host) -> dict[str, Any]:
    company_info = make_company(make_reseller())
    host_info = make_host(company_info)
    company = db.session.get(Company, company_info["id"])
    host = db.session.get(Host, host_info["id"])
    assert company is not None and host is not None
    session = running_session(Tenant.of(company), personal_room(Tenant.of(company), host))
    session.media_node = MediaNode(node_id="n", url="ws://n", control_url="http://n",
                                   started_at=utcnow(), last_heartbeat_at=utcnow())
    people = {name: Participant(public_id=name, session_id=session.id,
                                display_name=name.title(), role="attendee")
              for name in ("ann", "bob", "cat")}
    db.session.add_all(people.values())
    db.session.flush()
    return {"company": Tenant.of(company), "session": session, **people}


def event(session: MeetingSession, kind: EventKind, who: str, at: float | None = None,
          **data: str) -> ParticipantEvent:
    return ParticipantEvent(kind=kind, session_id=session.public_id, participant_id=who,
                            at=time.time() if at is None else at, data=data)


def counts(participant: Participant) -> dict[str, float]:
    row = db.session.get(ParticipantActivity, participant.id)
    if row is not None:
        db.session.refresh(row)
    return {c: getattr(row, c) for c in COLUMNS} if row is not None else {}


@pytest.mark.parametrize(("kind", "data", "column", "added"), [
    (EventKind.TALKING_STOPPED, {"seconds": "12.5"}, "talk_seconds", 12.5),
    (EventKind.CAMERA_STOPPED, {"seconds": "30"}, "camera_seconds", 30.0),
    (EventKind.SCREEN_SHARE_STOPPED, {"seconds": "0.4"}, "screen_share_seconds", 0.4),
    (EventKind.CHAT_SENT, {"private": "false"}, "chats", 1),
    (EventKind.CHAT_SENT, {"private": "true"}, "chats", 1),
    (EventKind.HAND_RAISED, {}, "hands_raised", 1),
])
def test_each_counted_kind_adds_to_its_column_and_only_there(meeting, kind, data, column,
                                                             added):
    session, ann = meeting["session"], meeting["ann"]
    record_events(NodeEvents(node_id="n", events=[event(session, kind, "ann", **data)] * 2))
    expected = {c: 0 for c in COLUMNS} | {column: 2 * added}
    assert counts(ann) == pytest.approx(expected)
    assert counts(meeting["bob"]) == {}


@pytest.mark.parametrize(("kind", "data"), [
    (EventKind.HAND_LOWERED, {}),
    (EventKind.CAMERA_STARTED, {}),
    (EventKind.SCREEN_SHARE_STARTED, {}),
    (EventKind.TALKING, {"talking": "true"}),
    (EventKind.MUTED, {"muted": "true"}),
    (EventKind.MUTE_MODE_CHANGED, {"mode": "qa"}),
    (EventKind.OUTPUTS_CHANGED, {"live": "true", "recording": "false"}),
    # A duration that is no number of seconds adds nothing (and breaks nothing).
    (EventKind.TALKING_STOPPED, {}),
    (EventKind.TALKING_STOPPED, {"seconds": "a while"}),
    (EventKind.TALKING_STOPPED, {"seconds": "-3"}),
    (EventKind.TALKING_STOPPED, {"seconds": "nan"}),
    (EventKind.CAMERA_STOPPED, {"seconds": "inf"}),
    (EventKind.SCREEN_SHARE_STOPPED, {"seconds": "90000"}),  # over a day
])
def test_kinds_and_data_that_count_nothing_change_nothing(meeting, kind, data):
    session = meeting["session"]
    who = "" if kind in (EventKind.MUTE_MODE_CHANGED, EventKind.OUTPUTS_CHANGED) else "ann"
    record_events(NodeEvents(node_id="n", events=[event(session, kind, who, **data)]))
    assert db.session.query(ParticipantActivity).count() == 0


def test_events_for_another_nodes_session_or_an_unknown_participant_change_nothing(meeting):
    session = meeting["session"]
    record_events(NodeEvents(node_id="elsewhere", events=[
        event(session, EventKind.CHAT_SENT, "ann"),
        event(session, EventKind.TALKING_STOPPED, "ann", seconds="5")]))
    record_events(NodeEvents(node_id="n", events=[
        event(session, EventKind.CHAT_SENT, "nobody-we-know"),
        ParticipantEvent(kind=EventKind.CHAT_SENT, session_id="no-such-session",
                         participant_id="ann", at=time.time())]))
    assert db.session.query(ParticipantActivity).count() == 0


def test_session_activity_adds_up_a_scripted_session_per_attendee(meeting):
    session = meeting["session"]
    start = 1_790_000_000.0
    script: list[tuple[float, EventKind, str, dict[str, str]]] = [
        (0, EventKind.JOINED, "ann", {}),
        (5, EventKind.JOINED, "bob", {}),
        (6, EventKind.CAMERA_STARTED, "ann", {}),
        (10, EventKind.HAND_RAISED, "bob", {}),
        (12, EventKind.TALKING_STOPPED, "ann", {"seconds": "4.2"}),
        (15, EventKind.CHAT_SENT, "bob", {"private": "false"}),
        (16, EventKind.CHAT_SENT, "bob", {"private": "true"}),
        (17, EventKind.CHAT_SENT, "ann", {"private": "false"}),
        (20, EventKind.HAND_LOWERED, "bob", {}),
        (25, EventKind.SCREEN_SHARE_STARTED, "bob", {}),
        (30, EventKind.TALKING_STOPPED, "ann", {"seconds": "3.3"}),
        (40, EventKind.TALKING_STOPPED, "bob", {"seconds": "8"}),
        (55, EventKind.SCREEN_SHARE_STOPPED, "bob", {"seconds": "30"}),
        (56, EventKind.CAMERA_STOPPED, "ann", {"seconds": "50"}),
        (57, EventKind.HAND_RAISED, "bob", {}),
        (60, EventKind.LEFT, "bob", {}),
    ]
    # In two posts, as the node batches them.
    events = [event(session, kind, who, start + at, **data) for at, kind, who, data in script]
    record_events(NodeEvents(node_id="n", events=events[:7]))
    record_events(NodeEvents(node_id="n", events=events[7:]))

    def at(offset: float) -> datetime:
        return datetime.fromtimestamp(start + offset, UTC)

    # cat never joined: not an attendee; ann is still in (no leave).
    assert session_activity(meeting["company"], session) == [
        AttendeeActivity(participant_id="ann", display_name="Ann", role="attendee",
                         joined_at=at(0), left_at=None, talk_seconds=7.5, chats=1,
                         hands_raised=0, reactions=0, camera_seconds=50.0,
                         screen_share_seconds=0.0),
        AttendeeActivity(participant_id="bob", display_name="Bob", role="attendee",
                         joined_at=at(5), left_at=at(60), talk_seconds=8.0, chats=2,
                         hands_raised=2, reactions=0, camera_seconds=0.0,
                         screen_share_seconds=30.0),
    ]


@pytest.fixture
def other_company(make_reseller, make_company) -> int:
    """Made (and committed) before ``meeting`` writes: SQLite has one writer."""
    return int(make_company(make_reseller())["id"])


def test_session_activity_of_another_companys_session_is_not_found(other_company, meeting):
    other = db.session.get(Company, other_company)
    assert other is not None
    with pytest.raises(NotFound):
        session_activity(Tenant.of(other), meeting["session"])
