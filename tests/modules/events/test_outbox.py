"""The event outbox (issue H, item 1): every event type is written by the
operation that causes it, in its transaction, with data that fits its
type's schema; a transaction that rolls back leaves no event and no job;
``emit`` refuses data that does not fit."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs.models import Job
from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.events.models import Event, EventType
from app.modules.events.operations import EVENT_WRITTEN, EventDataError, emit
from app.modules.events.schemas import SCHEMAS
from app.modules.hosts.models import Host
from app.modules.hosts.operations import add_host
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings import commands
from app.modules.meetings.models import Participant, Room
from app.modules.meetings.operations import personal_room, record_events, running_session
from app.modules.tenants.models import Company, Tenant
from app.protocol import egress_api
from app.protocol.egress_api import OutputState
from app.protocol.node_api import EventKind, NodeEvents, ParticipantEvent
from tests.conferences import wall_in
from tests.modules.events.fake_node import accepting_node
from tests.modules.outputs.test_outputs import outputs

COVERED: set[EventType] = set()


def emits(*types: EventType) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a test as the one that shows ``types`` emitted by their operation."""
    COVERED.update(types)
    return lambda test: test


def events(app: Any, type: EventType | None = None) -> list[Event]:
    """The outbox in order, each event's data checked against its schema."""
    with app.app_context():
        query = sa.select(Event).order_by(Event.id)
        if type is not None:
            query = query.where(Event.type == type.value)
        found = list(db.session.execute(query).scalars().all())
        db.session.expunge_all()
    for event in found:
        SCHEMAS[EventType(event.type)].load(event.data)
        assert event.public_id.startswith("evt_")
    return found


def written_jobs(app: Any) -> list[int]:
    with app.app_context():
        return [job.payload["event_id"] for job in db.session.execute(
            sa.select(Job).where(Job.kind == EVENT_WRITTEN).order_by(Job.id)).scalars()]


def the(app: Any, type: EventType) -> dict[str, Any]:
    found = events(app, type)
    assert len(found) == 1, [e.data for e in found]
    return found[0].data


@pytest.fixture
def company(make_reseller, make_company) -> dict[str, Any]:
    return make_company(make_reseller())


# -- the outbox itself -------------------------------------------------------------------


HOST_DATA = {"host_id": 7, "email": "a@example.test", "role": "HOST"}


def test_an_event_and_its_job_are_written_together(app, company):
    with app.app_context():
        event = emit(company["id"], company["reseller_id"], EventType.HOST_DELETED, HOST_DATA)
        db.session.commit()
        event_id = event.id
    [stored] = [e for e in events(app) if e.id == event_id]
    assert (stored.type, stored.company_id, stored.reseller_id, stored.data) == (
        "host.deleted", company["id"], company["reseller_id"], HOST_DATA)
    assert stored.created_at.tzinfo is not None
    assert event_id in written_jobs(app)


def test_a_transaction_that_rolls_back_leaves_no_event_and_no_job(app, company):
    before, jobs_before = events(app), written_jobs(app)
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        add_host(tenant, {"name": "Ann", "email": "ann@example.test", "role": HostRole.HOST,
                          "no_welcome_email": True})
        assert db.session.query(Event).count() == len(before) + 1  # written, not committed
        db.session.rollback()
    assert [e.id for e in events(app)] == [e.id for e in before]
    assert written_jobs(app) == jobs_before


@pytest.mark.parametrize("type, data", [
    (EventType.HOST_DELETED, {"host_id": 7, "email": "a@example.test"}),  # role missing
    (EventType.HOST_DELETED, {**HOST_DATA, "password": "x"}),  # unknown field
    (EventType.HOST_DELETED, {**HOST_DATA, "host_id": "7"}),  # a string for an integer id
    (EventType.HOST_DELETED, {**HOST_DATA, "host_id": 0}),
    (EventType.MEETING_STARTED, {"session_id": "s", "room_id": 1, "host_id": None,
                                 "started_at": "2026-12-01 15:00:00"}),  # not ISO UTC
    (EventType.MEETING_STARTED, {"session_id": "s", "room_id": 1, "host_id": None,
                                 "started_at": "2026-12-01T15:00:00+01:00"}),  # not UTC
    (EventType.MEETING_ENDED, {"session_id": "s", "room_id": 1, "host_id": None,
                               "started_at": "2026-12-01T15:00:00Z",
                               "ended_at": "2026-12-01T16:00:00Z", "reason": "bored"}),
    ("meeting.paused", {}),  # no such type
])
def test_emit_refuses_data_that_does_not_fit_its_type(app, company, type, data):
    ids_before, jobs_before = [e.id for e in events(app)], written_jobs(app)
    with app.app_context():
        with pytest.raises(EventDataError):
            emit(company["id"], company["reseller_id"], type, data)
        db.session.commit()
    assert [e.id for e in events(app)] == ids_before
    assert written_jobs(app) == jobs_before


def test_every_type_has_a_schema_and_a_test_below():
    assert set(SCHEMAS) == set(EventType)
    assert set(EventType) == COVERED


# -- each type, from the operation that causes it ----------------------------------------


@emits(EventType.HOST_CREATED, EventType.HOST_DELETED)
def test_hosts_created_and_deleted(app, api, company, make_host, token_for):
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    host = make_host(company, email="ann@example.test")
    created = [e for e in events(app, EventType.HOST_CREATED) if e.data["host_id"] == host["id"]]
    assert [(e.company_id, e.data) for e in created] == [
        (company["id"], {"host_id": host["id"], "email": "ann@example.test", "role": "HOST"})]
    answer = api("host/delete", company["host_name"], token_for(admin), host_id=host["id"])
    assert answer.status_code == 200, answer.json
    assert the(app, EventType.HOST_DELETED) == {"host_id": host["id"],
                                                "email": "ann@example.test", "role": "HOST"}


def _conference_body(host_id: int, **changes: Any) -> dict[str, Any]:
    return {"host_id": host_id, "subject": "Plans", "agenda": "", "duration": 60,
            "start": wall_in("Europe/London", days=3), "time_zone": "Europe/London",
            "auto_record": "none", "auto_transcribe": False, "one_time_access_code": True,
            "mute_mode": "conversation", "participants": [], **changes}


@emits(EventType.CONFERENCE_SCHEDULED, EventType.CONFERENCE_UPDATED,
       EventType.CONFERENCE_CANCELLED)
def test_conferences_scheduled_updated_and_cancelled(app, api, company, make_host, token_for):
    host = make_host(company)
    token = token_for(host)
    created = api("conference/create", company["host_name"], token,
                  **_conference_body(host["id"]))
    assert created.status_code == 200, created.json
    conference_id = created.json["conference_id"]
    scheduled = the(app, EventType.CONFERENCE_SCHEDULED)
    assert (scheduled["conference_id"], scheduled["host_id"], scheduled["subject"],
            scheduled["sequence"]) == (conference_id, host["id"], "Plans", 0)
    assert api("conference/update", company["host_name"], token, conference_id=conference_id,
               subject="New plans").status_code == 200
    updated = the(app, EventType.CONFERENCE_UPDATED)
    assert (updated["subject"], updated["sequence"]) == ("New plans", 1)
    assert api("conference/cancel", company["host_name"], token,
               conference_id=conference_id).status_code == 200
    cancelled = the(app, EventType.CONFERENCE_CANCELLED)
    assert (cancelled["conference_id"], cancelled["sequence"]) == (conference_id, 2)
    assert "cancelled_at" in cancelled


@emits(EventType.MEETING_CREATED, EventType.MEETING_STARTED)
def test_a_rooms_first_session_is_created_and_started_later_ones_only_started(
        app, company, make_host):
    host_info = make_host(company)
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        room = personal_room(tenant, db.session.get_one(Host, host_info["id"]))
        first = running_session(tenant, room)
        assert running_session(tenant, room).id == first.id  # joining again: no event
        db.session.commit()
        first.ended_at = first.started_at
        second = running_session(tenant, room)
        db.session.commit()
        ids = (first.public_id, second.public_id, room.id)
    assert [e.data["session_id"] for e in events(app, EventType.MEETING_CREATED)] == [ids[0]]
    assert [e.data["session_id"] for e in events(app, EventType.MEETING_STARTED)] == \
        [ids[0], ids[1]]
    assert the(app, EventType.MEETING_CREATED)["room_id"] == ids[2]
    assert the(app, EventType.MEETING_CREATED)["host_id"] == host_info["id"]


@emits(EventType.MEETING_ENDED)
def test_a_moderator_ends_the_meeting(app, meeting, act, settings):
    with accepting_node(settings.media_node_secret) as url, app.app_context():
        db.session.execute(sa.update(MediaNode).values(control_url=url))
        db.session.commit()
        answer = act("end")
    assert answer.status_code == 200, answer.json
    ended = the(app, EventType.MEETING_ENDED)
    assert (ended["session_id"], ended["reason"]) == (meeting["session_id"], "moderator")


@emits(EventType.MESSAGE_SENT)
def test_an_api_clients_message_to_the_meeting(app, meeting, settings):
    with accepting_node(settings.media_node_secret) as url, app.app_context():
        db.session.execute(sa.update(MediaNode).values(control_url=url))
        tenant = Tenant.of(db.session.get_one(Company, meeting["company"]["id"]))
        sender = db.session.execute(sa.select(Participant).where(
            Participant.public_id == meeting["attendee"]["participant_id"])).scalar_one()
        commands.send_message(tenant, meeting["session_id"], commands.AS_INTEGRATOR, "custom",
                              '{"slide": 3}', sender)
        db.session.commit()
    sent = the(app, EventType.MESSAGE_SENT)
    assert (sent["session_id"], sent["participant_id"], sent["message_type"], sent["content"]) \
        == (meeting["session_id"], meeting["attendee"]["participant_id"], "custom", '{"slide": 3}')


def test_a_deleted_hosts_meeting_ends(app, api, meeting, make_host, token_for, beat):
    admin = make_host(meeting["company"], HostRole.COMPANY_ADMIN)
    assert api("host/delete", meeting["host_name"], token_for(admin),
               host_id=meeting["host"]["id"]).status_code == 200
    assert events(app, EventType.MEETING_ENDED) == []  # the job ends it, not the request
    beat("node-a", leaving=True)  # the node is leaving: nothing to tell it
    Worker(app).run_until_idle()
    ended = the(app, EventType.MEETING_ENDED)
    assert (ended["session_id"], ended["reason"]) == (meeting["session_id"], "host_deleted")


def test_a_cancelled_conferences_meeting_ends(app, api, company, make_host, token_for):
    host = make_host(company)
    token = token_for(host)
    conference_id = api("conference/create", company["host_name"], token,
                        **_conference_body(host["id"])).json["conference_id"]
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        room = db.session.execute(sa.select(Room).where(Room.organizer_id == host["id"],
                                                        Room.host_id.is_(None))).scalar_one()
        session_id = running_session(tenant, room).public_id
        db.session.commit()
    assert api("conference/cancel", company["host_name"], token,
               conference_id=conference_id).status_code == 200
    Worker(app).run_until_idle()
    ended = the(app, EventType.MEETING_ENDED)
    assert (ended["session_id"], ended["reason"]) == (session_id, "closed")


@emits(EventType.PARTICIPANT_JOINED, EventType.PARTICIPANT_LEFT)
def test_participants_join_and_leave_as_their_node_reports(app, company, make_host):
    host_info = make_host(company)
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        session = running_session(tenant,
                                  personal_room(tenant, db.session.get_one(Host, host_info["id"])))
        session.media_node = MediaNode(node_id="n", url="ws://n", control_url="http://n",
                                       started_at=session.started_at,
                                       last_heartbeat_at=session.started_at)
        db.session.add(Participant(public_id="ann", session_id=session.id, display_name="Ann",
                                   role="attendee"))
        db.session.commit()
        at = time.time()

        def report(kind: EventKind, node_id: str = "n") -> None:
            record_events(NodeEvents(node_id=node_id, events=[ParticipantEvent(
                kind=kind, session_id=session.public_id, participant_id="ann", at=at)]))
            db.session.commit()

        report(EventKind.JOINED, node_id="another")  # not its node: nothing
        assert events(app, EventType.PARTICIPANT_JOINED) == []
        report(EventKind.JOINED)
        report(EventKind.LEFT)
        public_id = session.public_id
    joined = the(app, EventType.PARTICIPANT_JOINED)
    assert (joined["session_id"], joined["participant_id"], joined["display_name"],
            joined["role"]) == (public_id, "ann", "Ann", "attendee")
    left = the(app, EventType.PARTICIPANT_LEFT)
    assert left["participant_id"] == "ann" and "left_at" in left


@emits(EventType.RECORDING_STARTED, EventType.RECORDING_READY, EventType.RECORDING_DELETED)
def test_a_recording_starts_is_ready_and_is_deleted(app, company, make_host):
    from app.modules.access import Actor, Caller
    from app.modules.recordings import assembly
    from app.modules.recordings.operations import (
        assembled,
        begin_recording,
        delete_recording,
        recording_stopped,
    )

    host_info = make_host(company)
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        session = running_session(tenant,
                                  personal_room(tenant, db.session.get_one(Host, host_info["id"])))
        recording = begin_recording(tenant, session, audio_only=False)
        db.session.commit()
        recording_id, public_id = recording.id, recording.public_id
        recording_stopped(recording_id, {})
        db.session.commit()
        assembled(recording_id, assembly.Assembled(key=f"{recording.storage_prefix}/r.mp4",
                                                   size_bytes=1234, duration_seconds=20.5,
                                                   chunks=3))
        db.session.commit()
        actor = Actor(Caller(host_info["id"], company["id"], company["reseller_id"],
                             HostRole.HOST), tenant)
        delete_recording(actor, public_id)
        db.session.commit()
    started = the(app, EventType.RECORDING_STARTED)
    assert (started["recording_id"], started["host_id"], started["audio_only"]) == (
        public_id, host_info["id"], False)
    ready = the(app, EventType.RECORDING_READY)
    assert (ready["recording_id"], ready["size_bytes"], ready["duration_seconds"],
            ready["partial"]) == (public_id, 1234, 20.5, False)
    assert the(app, EventType.RECORDING_DELETED)["recording_id"] == public_id


@emits(EventType.LIVESTREAM_STARTED, EventType.LIVESTREAM_STOPPED)
def test_a_live_stream_starts_when_live_and_stops_when_final(app, meeting, act, fake_egress,
                                                             egress_beat, egress_events):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    assert act("start_live").status_code == 200
    [output] = outputs(app)
    assert events(app, EventType.LIVESTREAM_STARTED) == []  # asked for, not yet live

    def report(state: OutputState, **fields: Any) -> None:
        answer = egress_events(fake_egress.egress_id, egress_api.OutputEvent(
            session_id=meeting["session_id"], output_id=output.public_id, kind=output.kind,
            state=state, at=time.time(), **fields))
        assert answer.status_code == 200

    report(OutputState.LIVE)
    report(OutputState.LIVE)  # said again: one event
    started = the(app, EventType.LIVESTREAM_STARTED)
    assert (started["output_id"], started["session_id"]) == (output.public_id,
                                                             meeting["session_id"])
    report(OutputState.FAILED, reason="disk full")
    stopped = the(app, EventType.LIVESTREAM_STOPPED)
    assert (stopped["output_id"], stopped["state"], stopped["reason"]) == (
        output.public_id, "failed", "disk full")


@emits(EventType.BROADCAST_STARTED, EventType.BROADCAST_STOPPED, EventType.SNAPSHOT_CREATED)
def test_a_broadcast_starts_when_live_and_stops_when_final_and_a_stored_snapshot_is_created(
        app, meeting, fake_egress, egress_beat, egress_events):
    from app.modules.meetings.models import MeetingSession
    from app.modules.outputs.operations import start_broadcast, take_snapshot

    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, meeting["company"]["id"]))
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == meeting["session_id"])).scalar_one()
        broadcast = start_broadcast(tenant, session, "rtmp://ingest.example.test/live/key")
        snapshot = take_snapshot(tenant, session)
        ids = broadcast.public_id, snapshot.public_id
        db.session.commit()

    def report(output_id: str, kind: egress_api.OutputKind, state: OutputState,
               **fields: Any) -> None:
        assert egress_events(fake_egress.egress_id, egress_api.OutputEvent(
            session_id=meeting["session_id"], output_id=output_id, kind=kind, state=state,
            at=time.time(), **fields)).status_code == 200

    rtmp, jpeg = egress_api.OutputKind.RTMP, egress_api.OutputKind.SNAPSHOT
    report(ids[0], rtmp, OutputState.LIVE)
    report(ids[0], rtmp, OutputState.LIVE)  # said again: one event
    assert the(app, EventType.BROADCAST_STARTED)["output_id"] == ids[0]
    report(ids[0], rtmp, OutputState.STOPPED)
    stopped = the(app, EventType.BROADCAST_STOPPED)
    assert (stopped["output_id"], stopped["state"], stopped["reason"]) == (ids[0], "stopped", "")
    assert events(app, EventType.SNAPSHOT_CREATED) == []  # asked for, not yet stored
    report(ids[1], jpeg, OutputState.STOPPED, details={"key": "k", "width": 2, "height": 2})
    created = the(app, EventType.SNAPSHOT_CREATED)
    assert (created["output_id"], created["session_id"]) == (ids[1], meeting["session_id"])
