"""Who may start and stop a meeting's outputs (a moderator of that meeting
only), what the moderator reads of them, the other kinds' operations, and a
scheduled room with auto_record that starts recording by itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.jobs.worker import Worker
from app.modules.hosts.models import Host
from app.modules.meetings.models import MeetingSession
from app.modules.meetings.operations import AUTO_RECORD
from app.modules.meetings.scheduling import RoomPlan, schedule_room
from app.modules.outputs import operations
from app.modules.tenants.models import Company, Tenant
from app.protocol import egress_api
from app.protocol.egress_api import OutputKind, OutputState
from tests.conferences import jobs
from tests.modules.outputs.test_outputs import outputs

ACTIONS = ["start_live", "stop_live", "start_recording", "stop_recording"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("case", "status"), [
    ("no token", 401),
    ("garbage token", 401),
    ("attendee's token", 403),
    ("another session's moderator", 404),  # its own session, on this company's host name
    ("another session's token here", 403),
    ("another company's session id", 404),
    ("unknown session", 404),
    ("a body field", 422),
])
def test_only_a_moderator_of_the_meeting_acts_on_its_outputs(
        client, meeting, fake_egress, egress_beat, snapshot, action, case, status):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    session, token, body = meeting["session_id"], meeting["moderator"]["token"], {}
    if case == "no token":
        token = None
    elif case == "garbage token":
        token = "nope"
    elif case == "attendee's token":
        token = meeting["attendee"]["token"]
    elif case == "another session's moderator":
        session, token = meeting["other"]["session_id"], meeting["other"]["token"]
    elif case == "another session's token here":
        token = meeting["other"]["token"]
    elif case == "another company's session id":
        session = meeting["other"]["session_id"]
    elif case == "unknown session":
        session = "no-such-session"
    elif case == "a body field":
        body = {"rtmp_url": "rtmp://example.test/live"}
    headers = {"Host": meeting["host_name"]}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    before = snapshot()
    answer = client.post(f"/api/v1/sessions/{session}/{action}", json=body, headers=headers)
    assert answer.status_code == status, answer.json
    assert answer.json["message"]
    assert snapshot() == before
    assert fake_egress.received() == []


def test_a_moderator_reads_the_outputs_and_their_states(client, act, meeting, fake_egress,
                                                        egress_beat):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    act("start_live")
    act("start_recording")
    url = f"/api/v1/sessions/{meeting['session_id']}/outputs"
    answer = client.get(url, headers={"Host": meeting["host_name"],
                                      "Authorization": f"Bearer {meeting['moderator']['token']}"})
    assert answer.status_code == 200, answer.json
    assert [(o["kind"], o["state"], o["reason"], o["stopped_at"])
            for o in answer.json["outputs"]] == [("hls", "starting", "", None),
                                                 ("recording", "starting", "", None)]
    for token, status in ((meeting["attendee"]["token"], 403), (None, 401),
                          (meeting["other"]["token"], 403)):
        headers = {"Host": meeting["host_name"]}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        assert client.get(url, headers=headers).status_code == status


def running_session(app, meeting) -> tuple[Tenant, MeetingSession]:
    session = db.session.execute(sa.select(MeetingSession).where(
        MeetingSession.public_id == meeting["session_id"])).scalar_one()
    company = db.session.get(Company, session.company_id)
    assert company is not None
    return Tenant.of(company), session


def test_a_broadcast_goes_to_the_rtmp_url_and_a_snapshot_under_its_prefix(
        app, ctx, meeting, fake_egress, egress_beat):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    company, session = running_session(app, meeting)
    url = "rtmp://ingest.example.test/live/secret-stream-key"
    broadcast = operations.start_broadcast(company, session, url)
    snapshot = operations.take_snapshot(company, session)
    db.session.commit()
    first, second = fake_egress.received()
    assert isinstance(first, egress_api.StartOutputs)
    assert isinstance(second, egress_api.StartOutputs)
    assert first.outputs == [egress_api.OutputSpec(output_id=broadcast.public_id,
                                                   kind=OutputKind.RTMP, rtmp_url=url)]
    assert second.outputs[0].storage_prefix == f"{company.id}/snapshots/{snapshot.public_id}"
    # The stream key is not stored in the clear.
    stored = db.session.execute(sa.text("SELECT rtmp_url FROM session_outputs WHERE kind = "
                                        "'rtmp'")).scalar_one()
    assert "secret-stream-key" not in stored
    operations.stop_broadcast(company, session)
    assert isinstance(fake_egress.received()[-1], egress_api.StopOutput)


@pytest.mark.parametrize("url", ["http://example.test/live", "rtmp://", "file:///etc/passwd",
                                 "not a url", "rtmp://ingest.example.test/live",
                                 "rtmp://ingest.example.test", "rtmp://x.test:port/a/b",
                                 "rtmp://x.test/a/b c"])
def test_a_broadcast_to_anything_but_rtmp_is_refused(app, ctx, meeting, fake_egress,
                                                      egress_beat, url):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    company, session = running_session(app, meeting)
    with pytest.raises(ValidationFailed):
        operations.start_broadcast(company, session, url)
    assert fake_egress.received() == []


@pytest.mark.parametrize("url", ["rtmp://127.0.0.1/live/k", "rtmp://10.0.0.5/live/k",
                                 "rtmp://[::1]/live/k", "rtmp://ingest.localhost/live/k",
                                 "rtmps://169.254.169.254/live/k"])
def test_in_production_a_broadcast_never_goes_to_a_local_or_private_address(
        app, ctx, meeting, fake_egress, egress_beat, url, monkeypatch):
    from app.extensions import SETTINGS_KEY

    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    company, session = running_session(app, meeting)
    monkeypatch.setitem(app.config, SETTINGS_KEY, app.config[SETTINGS_KEY].with_(env="production"))
    with pytest.raises(ValidationFailed, match="public address"):
        operations.start_broadcast(company, session, url)
    assert fake_egress.received() == []


@pytest.mark.parametrize(("mode", "audio_only"), [("video", False), ("audio", True)])
def test_a_session_in_an_auto_record_room_starts_recording_by_itself(
        app, client, make_reseller, make_company, make_host, beat, fake_egress, egress_beat,
        mode, audio_only):
    company = make_company(make_reseller())
    host = make_host(company)
    beat("node-a")
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    with app.app_context():
        tenant = Tenant.of(db.session.get(Company, company["id"]))
        organizer = db.session.get(Host, host["id"])
        room = schedule_room(tenant, organizer, RoomPlan(
            starts_at=utcnow() - timedelta(minutes=1), duration_minutes=60, security_pin=None,
            mute_mode=None, auto_record=mode, own_code=True))
        db.session.commit()
        code = room.access_code
    answer = client.post(f"/api/v1/rooms/{code}/join", json={"display_name": "A"},
                         headers={"Host": company["host_name"]})
    assert answer.status_code == 200, answer.json
    client.post(f"/api/v1/rooms/{code}/join", json={"display_name": "B"},
                headers={"Host": company["host_name"]})
    assert len(jobs(app, AUTO_RECORD)) == 1  # once per session, not per join
    Worker(app).run_until_idle()
    [output] = outputs(app)
    assert (output.kind, output.state) == (OutputKind.RECORDING, OutputState.STARTING)
    [command] = fake_egress.received()
    assert isinstance(command, egress_api.StartOutputs)
    assert command.session_id == answer.json["session_id"]
    assert command.outputs[0].audio_only is audio_only


def test_a_room_without_auto_record_records_nothing(app, meeting, fake_egress, egress_beat):
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    assert jobs(app, AUTO_RECORD) == []
    Worker(app).run_until_idle()
    assert fake_egress.received() == []
