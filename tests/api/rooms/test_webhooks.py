"""The rooms API's webhooks: POST/GET/DELETE /webhooks with the API key, and
deliveries in Eyeson's shapes to a real receiver on loopback, each signed
with the API key (checked here with hmac, not the app's code), sent by the
worker from the one outbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.security import token_digest
from app.extensions import db, settings
from app.jobs.worker import Worker
from app.modules.api_keys.models import ApiKey
from app.modules.hosts.models import Host
from app.modules.meetings.operations import personal_room, running_session
from app.modules.outputs.models import SessionOutput
from app.modules.recordings.assembly import Assembled
from app.modules.recordings.models import Recording
from app.modules.recordings.operations import assembled
from app.modules.tenants.models import Tenant
from app.protocol import egress_api
from app.protocol.egress_api import OutputKind, OutputState
from app.storage import storage_for
from tests.modules.outputs.conftest import egress_beat, egress_events, fake_egress  # noqa: F401
from tests.webhooks import running_receiver

TYPES = "room_update,recording_update,broadcast_update,snapshot_update"
LATER = timedelta(hours=1)


@pytest.fixture
def worker(app_with, tmp_path) -> Worker:
    return Worker(app_with(job_retry_base_seconds=0.005, smtp_url="",
                           instance_path=str(tmp_path)))


def run(worker: Worker) -> None:
    for _ in range(200):
        if not worker.run_until_idle(now=utcnow() + LATER):
            return
    raise AssertionError("the worker never went idle")


def signed_with(key: str, received: Any) -> bool:
    expected = hmac.new(key.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.headers["X-Eyeson-Signature"])


def test_registering_replaces_the_webhook_and_get_and_delete_find_it(team, rooms_api,
                                                                     make_reseller,
                                                                     make_company,
                                                                     make_api_key):
    first = rooms_api("POST", "/webhooks", team, as_="form", url="https://hooks.test/a",
                      types="room_update")
    assert first.status_code == 201
    assert first.json == {"id": first.json["id"], "types": ["room_update"],
                          "url": "https://hooks.test/a", "last_request_sent_at": None,
                          "last_response_code": None}
    second = rooms_api("POST", "/webhooks", team, url="https://hooks.test/b",
                       types=["recording_update", "snapshot_update"])
    assert second.status_code == 201
    assert rooms_api("GET", "/webhooks", team).json == second.json
    assert rooms_api("DELETE", f"/webhooks/{first.json['id']}", team).status_code == 404

    other = make_company(make_reseller())
    other_team = {**other, "api_key": make_api_key(other)}
    assert rooms_api("GET", "/webhooks", other_team).json == {}
    assert rooms_api("DELETE", f"/webhooks/{second.json['id']}", other_team).status_code == 404
    for key in (None, "wrong", other_team["api_key"]):
        for method in ("GET", "POST", "DELETE"):
            assert rooms_api(method, "/webhooks", team, key=key).status_code == 403

    assert rooms_api("DELETE", f"/webhooks/{second.json['id']}", team).status_code == 204
    assert rooms_api("GET", "/webhooks", team).json == {}


@pytest.mark.parametrize("params", [
    {"types": "room_update"}, {"url": "https://hooks.test/a"},
    {"url": "ftp://hooks.test/a", "types": "room_update"},
    {"url": "https://hooks.test/a", "types": "room_update,fax_update"},
    {"url": "https://hooks.test/a", "types": ""},
])
def test_a_webhook_without_a_good_url_and_types_is_400_and_not_made(team, rooms_api, snapshot,
                                                                    params):
    before = snapshot()
    answer = rooms_api("POST", "/webhooks", team, as_="form", **params)
    assert answer.status_code == 400 and answer.json["error"]
    assert snapshot() == before


def test_each_type_is_delivered_in_eyesons_shape_signed_with_the_api_key(
        app, team, rooms_api, worker, node_accepts, make_host, fake_egress,  # noqa: F811
        egress_beat, egress_events):  # noqa: F811
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    with running_receiver() as receiver:
        hook = rooms_api("POST", "/webhooks", team, url=receiver.url, types=TYPES)
        assert hook.status_code == 201
        key = rooms_api("POST", "/rooms", team, id="studio", name="Studio",
                        user={"id": "ann", "name": "Ann"}).json["access_key"]
        _a_host_rooms_meeting(app, make_host(team))  # not this API's: not sent

        def call(method: str, path: str, **params: Any) -> None:
            answer = rooms_api(method, f"/rooms/{key}{path}", team, key=None, **params)
            assert answer.status_code in (200, 201), answer.json

        def report(kind: OutputKind, *states: OutputState) -> str:
            output = _output(app, kind)
            for state in states:
                egress_events(fake_egress.egress_id, egress_api.OutputEvent(
                    session_id="s", output_id=output.public_id, kind=kind, state=state,
                    at=time.time()))
            return output.public_id

        call("POST", "/snapshot")
        snapshot_id = report(OutputKind.SNAPSHOT, OutputState.STOPPED)
        call("POST", "/broadcasts", stream_url="rtmp://ingest.example.test/live/k",
             player_url="https://watch.test/1")
        broadcast_id = report(OutputKind.RTMP, OutputState.LIVE, OutputState.STOPPED)
        call("POST", "/recording")
        call("DELETE", "/recording")
        report(OutputKind.RECORDING, OutputState.STOPPED)
        recording_id = _assembled(app, _output(app, OutputKind.RECORDING))
        assert rooms_api("DELETE", f"/rooms/{key}", team, key=None).status_code == 204
        run(worker)
        received = receiver.wait_for(6)

    assert all(signed_with(team["api_key"], r) for r in received)
    assert all(r.headers["Content-Type"] == "application/json" for r in received)
    bodies = [json.loads(r.body) for r in received]
    assert [b["type"] for b in bodies] == [
        "room_update", "snapshot_update", "broadcast_update", "broadcast_update",
        "recording_update", "room_update"]
    assert all(isinstance(b["timestamp"], int) for b in bodies)
    started, snapshot, live, stopped, recording, ended = bodies
    assert started["room"]["id"] == "studio" and started["room"]["shutdown"] is False
    assert ended["room"]["id"] == "studio" and ended["room"]["shutdown"] is True
    assert snapshot["snapshot"]["id"] == snapshot_id
    assert snapshot["snapshot"]["creator"]["id"] == "ann"
    assert live["broadcast"]["id"] == stopped["broadcast"]["id"] == broadcast_id
    assert live["broadcast"]["player_url"] == "https://watch.test/1"
    assert stopped["broadcast"]["state"] == "stopped"
    assert recording["recording"]["id"] == recording_id
    assert recording["recording"]["duration"] == 12 and recording["recording"]["user"]["id"] \
        == "ann"
    assert "/files/" in recording["recording"]["links"]["download"]

    listed = rooms_api("GET", "/webhooks", team).json
    assert listed["last_response_code"] == "200" and listed["last_request_sent_at"]


def _a_host_rooms_meeting(app: Any, host: dict[str, Any]) -> None:
    with app.app_context():
        model = db.session.get_one(Host, host["id"])
        tenant = Tenant.of(model.company)
        running_session(tenant, personal_room(tenant, model))
        db.session.commit()


def _output(app: Any, kind: OutputKind) -> SessionOutput:
    with app.app_context():
        output = db.session.execute(sa.select(SessionOutput).where(
            SessionOutput.kind == kind).order_by(SessionOutput.id.desc())).scalars().first()
        assert output is not None
        db.session.expunge_all()
        return output


def _assembled(app: Any, output: SessionOutput) -> str:
    """The recording assembled, as the worker's assembly leaves it; its id."""
    with app.app_context():
        recording = db.session.get_one(Recording, output.recording_id)
        media_key = f"{recording.storage_prefix}/recording.mp4"
        storage_for(settings()).put_bytes(media_key, b"\x00" * 64, "video/mp4")
        assembled(recording.id, Assembled(key=media_key, size_bytes=64, duration_seconds=12.3,
                                          chunks=1))
        db.session.commit()
        return recording.public_id


def test_a_webhook_whose_api_key_was_revoked_gets_nothing_more(
        app, team, rooms_api, worker, make_api_key):
    other_key = make_api_key(team)
    with running_receiver() as receiver:
        assert rooms_api("POST", "/webhooks", team, url=receiver.url,
                         types="room_update").status_code == 201
        with app.app_context():  # the key that registered it (and signs it) is revoked
            db.session.execute(sa.update(ApiKey).where(
                ApiKey.digest == token_digest(team["api_key"])).values(revoked_at=utcnow()))
            db.session.commit()
        started = rooms_api("POST", "/rooms", team, key=other_key, id="after",
                            user={"name": "Ann"})
        assert started.status_code == 201, started.json
        run(worker)
        assert receiver.received == []
