"""Starting and stopping a meeting's outputs: each a signed command to the
session's egress (a real aiohttp server here that checks signatures as the
egress does), idempotent, and nothing stored when the egress refuses."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.security import join_token_keys
from app.extensions import db
from app.jobs.models import Job
from app.modules.meetings.models import Participant
from app.modules.outputs.models import SessionOutput
from app.modules.outputs.operations import TELL_NODE, WATCH_EGRESS
from app.modules.recordings.models import Recording, RecordingState
from app.protocol import egress_api
from app.protocol.egress_api import OutputKind, OutputState
from app.protocol.join_token import Permission, Role, verify


def outputs(app) -> list[SessionOutput]:
    with app.app_context():
        found = db.session.execute(
            sa.select(SessionOutput).order_by(SessionOutput.id)).scalars().all()
        db.session.expunge_all()
        return list(found)


def jobs(app, kind: str) -> list[Job]:
    with app.app_context():
        found = db.session.execute(sa.select(Job).where(Job.kind == kind)).scalars().all()
        db.session.expunge_all()
        return list(found)


def test_start_live_sends_the_egress_a_recorder_ticket_and_the_hls_output(
        app, act, meeting, fake_egress, egress_beat, settings):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    answer = act("start_live")
    assert answer.status_code == 200, answer.json
    [command] = fake_egress.received()
    assert isinstance(command, egress_api.StartOutputs)
    session_id = meeting["session_id"]
    assert command.session_id == session_id
    assert command.node_url == f"ws://node-a.test:7880/sessions/{session_id}/ws"
    [output] = outputs(app)
    assert (output.kind, output.state) == (OutputKind.HLS, OutputState.STARTING)
    assert command.outputs == [egress_api.OutputSpec(
        output_id=output.public_id, kind=OutputKind.HLS,
        storage_prefix=f"{meeting['company']['id']}/live/{output.public_id}")]
    # The egress joins as a hidden recorder of this session, nobody else.
    grant = verify(command.join_token, join_token_keys(settings.secret_key)[1])
    assert (grant.session_id, grant.role) == (session_id, Role.RECORDER)
    assert Permission.HIDDEN in grant.permissions
    assert Permission.PUBLISH_AUDIO not in grant.permissions
    with app.app_context():
        recorder = db.session.execute(sa.select(Participant).where(
            Participant.public_id == grant.participant_id)).scalar_one()
        assert recorder.role == "recorder"
    assert len(jobs(app, TELL_NODE)) == 1  # the badge
    assert len(jobs(app, WATCH_EGRESS)) == 1  # the watch on the egress


def test_starting_is_idempotent_per_kind(app, act, fake_egress, egress_beat):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    assert act("start_live").status_code == 200
    assert act("start_live").status_code == 200
    assert len(fake_egress.received()) == 1
    assert len(outputs(app)) == 1


def test_every_output_of_a_session_goes_to_the_same_egress(app, act, fake_egress, egress_beat):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url, sessions=3)
    assert act("start_live").status_code == 200
    egress_beat("idle-egress", sessions=0)  # less loaded now, but not this session's
    assert act("start_recording").status_code == 200
    live, recording = outputs(app)
    assert live.egress_node_id == recording.egress_node_id
    assert [type(c) for c in fake_egress.received()] == [egress_api.StartOutputs] * 2


def test_start_recording_begins_a_recording_written_under_its_prefix(app, act, fake_egress,
                                                                     egress_beat):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    assert act("start_recording").status_code == 200
    [output] = outputs(app)
    with app.app_context():
        recording = db.session.get(Recording, output.recording_id)
        assert recording is not None and recording.state is RecordingState.RECORDING
        assert output.storage_prefix == recording.storage_prefix
    [command] = fake_egress.received()
    assert isinstance(command, egress_api.StartOutputs)
    assert [(s.kind, s.storage_prefix, s.audio_only) for s in command.outputs] == \
        [(OutputKind.RECORDING, recording.storage_prefix, False)]


def test_stop_sends_stop_output_and_the_egress_reports_it_stopped(app, act, fake_egress,
                                                                 egress_beat, egress_events):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    act("start_live")
    answer = act("stop_live")
    assert answer.status_code == 200, answer.json
    [output] = outputs(app)
    assert output.state is OutputState.STOPPING
    stop = fake_egress.received()[-1]
    assert isinstance(stop, egress_api.StopOutput)
    assert stop.output_id == output.public_id
    assert act("stop_live").status_code == 200  # stopping already: nothing more sent
    assert len(fake_egress.received()) == 2
    egress_events(fake_egress.egress_id, egress_api.OutputEvent(
        session_id=stop.session_id, output_id=output.public_id, kind=OutputKind.HLS,
        state=OutputState.STOPPED, at=1.9e9))
    [output] = outputs(app)
    assert output.state is OutputState.STOPPED and output.stopped_at is not None
    answer = act("stop_live")
    assert answer.status_code == 409 and "No live stream" in answer.json["message"]


def test_a_stopped_output_may_start_again_as_a_new_one(app, act, fake_egress, egress_beat,
                                                       egress_events):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    act("start_live")
    act("stop_live")
    [first] = outputs(app)
    assert act("start_live").status_code == 409  # still stopping
    egress_events(fake_egress.egress_id, egress_api.OutputEvent(
        session_id="x", output_id=first.public_id, kind=OutputKind.HLS,
        state=OutputState.STOPPED, at=1.9e9))
    assert act("start_live").status_code == 200
    first, second = outputs(app)
    assert second.state is OutputState.STARTING and second.storage_prefix != first.storage_prefix


def test_a_failed_start_answers_503_and_leaves_nothing(app, act, fake_egress, egress_beat,
                                                       snapshot):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    before = snapshot()
    for answer in ("error", "refuse", "unsigned"):
        fake_egress.answer = answer
        for action in ("start_live", "start_recording"):
            reply = act(action)
            assert reply.status_code == 503, (answer, reply.json)
            assert snapshot() == before, answer
    assert len(fake_egress.received()) == 6


def test_an_unreachable_egress_answers_503_and_leaves_nothing(act, egress_beat, snapshot,
                                                             fake_egress):
    egress_beat("gone", control_url="http://127.0.0.1:9")  # nothing listens there
    before = snapshot()
    answer = act("start_recording")
    assert answer.status_code == 503
    assert "unreachable" in answer.json["message"]
    assert snapshot() == before


def test_no_egress_available_answers_503(act, snapshot):
    before = snapshot()
    answer = act("start_live")
    assert answer.status_code == 503 and "No egress" in answer.json["message"]
    assert snapshot() == before
