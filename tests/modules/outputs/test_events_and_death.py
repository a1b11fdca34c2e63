"""What egress processes report moves outputs along; an egress that stops
heart-beating, or restarts, fails what it ran and keeps its recordings as
partial ones; a session's end stops its outputs."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs import enqueue
from app.jobs.models import Job, JobStatus
from app.jobs.worker import Worker
from app.modules.hosts.operations import HOST_DELETED
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import MeetingSession
from app.modules.meetings.operations import SESSION_ENDED
from app.modules.outputs.models import EgressNode, SessionOutput
from app.modules.outputs.operations import EGRESS_STOPPED, WATCH_EGRESS
from app.modules.outputs.tasks import outputs_command
from app.modules.recordings.models import Recording, RecordingState
from app.protocol import egress_api
from app.protocol.egress_api import OutputKind, OutputState
from tests.modules.outputs.test_outputs import outputs


def event(output: SessionOutput, state: OutputState, **fields) -> egress_api.OutputEvent:
    return egress_api.OutputEvent(session_id="s", output_id=output.public_id, kind=output.kind,
                                  state=state, at=time.time(), **fields)


def recording_of(app, output: SessionOutput) -> Recording:
    with app.app_context():
        recording = db.session.get(Recording, output.recording_id)
        assert recording is not None
        db.session.expunge_all()
        return recording


def started(act, fake_egress, egress_beat, *actions: str) -> None:
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    for action in actions:
        assert act(action).status_code == 200


def test_events_move_outputs_along_and_a_final_state_is_final(app, act, fake_egress,
                                                              egress_beat, egress_events):
    started(act, fake_egress, egress_beat, "start_live")
    [output] = outputs(app)
    assert egress_events(fake_egress.egress_id, event(output, OutputState.LIVE)).status_code \
        == 200
    assert outputs(app)[0].state is OutputState.LIVE
    egress_events(fake_egress.egress_id, event(output, OutputState.FAILED, reason="disk full"))
    [output] = outputs(app)
    assert (output.state, output.reason) == (OutputState.FAILED, "disk full")
    egress_events(fake_egress.egress_id, event(output, OutputState.LIVE))  # late: ignored
    assert outputs(app)[0].state is OutputState.FAILED


def test_events_of_another_egress_or_kind_change_nothing(app, act, fake_egress, egress_beat,
                                                         egress_events, snapshot):
    started(act, fake_egress, egress_beat, "start_live")
    egress_beat("egress-b")
    [output] = outputs(app)
    before = snapshot()
    assert egress_events("egress-b", event(output, OutputState.LIVE)).status_code == 200
    wrong_kind = event(output, OutputState.LIVE)
    wrong_kind.kind = OutputKind.RECORDING
    egress_events(fake_egress.egress_id, wrong_kind)
    assert snapshot() == before


def test_a_stopped_recording_is_handed_to_recordings_to_assemble(app, act, fake_egress,
                                                                 egress_beat, egress_events):
    started(act, fake_egress, egress_beat, "start_recording")
    [output] = outputs(app)
    egress_events(fake_egress.egress_id, event(output, OutputState.STOPPED,
                                               details={"chunks": 3, "duration_seconds": 6.0}))
    assert outputs(app)[0].state is OutputState.STOPPED
    recording = recording_of(app, output)
    assert recording.state is RecordingState.PROCESSING and not recording.partial


def test_a_failed_recording_is_kept_as_a_partial_one(app, act, fake_egress, egress_beat,
                                                     egress_events):
    started(act, fake_egress, egress_beat, "start_recording")
    [output] = outputs(app)
    egress_events(fake_egress.egress_id, event(output, OutputState.FAILED, reason="encoder"))
    recording = recording_of(app, output)
    assert recording.partial and recording.state is RecordingState.PROCESSING


def test_an_egress_that_stops_heart_beating_fails_its_outputs(app, act, fake_egress,
                                                              egress_beat, settings):
    started(act, fake_egress, egress_beat, "start_live", "start_recording")
    worker = Worker(app)
    with app.app_context():
        [watch] = db.session.execute(sa.select(Job).where(Job.kind == WATCH_EGRESS)).scalars()
        due = watch.run_at
    # Still heart-beating when the watch comes: it looks again later.
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    worker.run_one(now=due)
    assert {o.state for o in outputs(app)} == {OutputState.STARTING}
    # Then silence for longer than MEDIA_NODE_DEAD_AFTER_SECONDS.
    with app.app_context():
        db.session.execute(sa.update(EgressNode).values(
            last_heartbeat_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    later = utcnow() + timedelta(seconds=settings.media_node_dead_after_seconds * 3)
    while worker.run_one(now=later):
        pass
    live, recording = outputs(app)
    assert (live.state, live.reason) == (OutputState.FAILED, EGRESS_STOPPED)
    assert (recording.state, recording.reason) == (OutputState.FAILED, EGRESS_STOPPED)
    saved = recording_of(app, recording)
    assert saved.partial
    with app.app_context():
        watches = db.session.execute(sa.select(Job).where(Job.kind == WATCH_EGRESS)
                                     ).scalars().all()
        assert {w.status for w in watches} == {JobStatus.DONE}


def test_a_restarted_egress_fails_what_it_ran_before(app, act, fake_egress, egress_beat):
    started(act, fake_egress, egress_beat, "start_recording")
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url, started_at=2.0e9)
    [output] = outputs(app)
    assert (output.state, output.reason) == (OutputState.FAILED, EGRESS_STOPPED)
    assert recording_of(app, output).partial


def test_a_session_that_ends_stops_its_outputs(app, act, fake_egress, egress_beat, meeting):
    """Here its host is deleted (the node is gone, so nothing else is told):
    meetings ends the session and queues SESSION_ENDED, which stops its outputs."""
    started(act, fake_egress, egress_beat, "start_live", "start_recording")
    with app.app_context():
        db.session.execute(sa.update(MediaNode).values(
            last_heartbeat_at=utcnow() - timedelta(hours=1)))
        enqueue(HOST_DELETED, {"host_id": meeting["host"]["id"]})
        db.session.commit()
    Worker(app).run_until_idle()
    with app.app_context():
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == meeting["session_id"])).scalar_one()
        assert session.ended_at is not None
        [ended] = db.session.execute(sa.select(Job).where(Job.kind == SESSION_ENDED)).scalars()
        assert ended.status is JobStatus.DONE
    stops = [c for c in fake_egress.received() if isinstance(c, egress_api.StopOutput)]
    assert sorted(s.output_id for s in stops) == sorted(o.public_id for o in outputs(app))
    assert {o.state for o in outputs(app)} == {OutputState.STOPPING}


def test_the_badges_say_what_runs(app, act, fake_egress, egress_beat, egress_events, meeting):
    started(act, fake_egress, egress_beat, "start_live", "start_recording")
    live, recording = outputs(app)
    egress_events(fake_egress.egress_id, event(live, OutputState.LIVE),
                  event(recording, OutputState.FAILED, reason="no space left"))
    with app.app_context():
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == meeting["session_id"])).scalar_one()
        command = outputs_command(session)
    assert (command.live, command.recording, command.live_state, command.recording_state,
            command.reason) == (True, False, "live", "failed", "no space left")


def test_badges_wait_for_the_node_to_have_the_session(app, act, fake_egress, egress_beat,
                                                      beat):
    """The media node here (node-a.test) cannot be reached: telling it fails the
    job, which is tried again later, never dropped."""
    started(act, fake_egress, egress_beat, "start_live")
    Worker(app).run_until_idle()
    with app.app_context():
        job = db.session.execute(sa.select(Job).where(Job.kind == "outputs.tell_node")).scalar_one()
        assert job.status is JobStatus.PENDING and job.attempts == 1 and job.last_error
        assert db.session.execute(sa.select(MediaNode)).scalar_one().node_id == "node-a"
