"""The egress's control API: what it refuses, and a session that ends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import m3u8
import pytest

from app.protocol import node_api
from app.protocol.egress_api import Layout, OutputKind, OutputState, SetLayout, StopOutput
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from tests.egress.conftest import EgressProcess, Meeting, output
from tests.egress.fake_web import FakeEgressWeb, command
from tests.egress.media import RED, Publishers
from tests.sfu.conftest import NodeProcess, control, new_keys


@pytest.fixture(scope="module")
def egress(tmp_path_factory: pytest.TempPathFactory,
           fake_web: FakeEgressWeb) -> Iterator[EgressProcess]:
    process = EgressProcess(fake_web, tmp_path_factory.mktemp("storage"))
    yield process
    process.stop()


def test_an_unsigned_or_badly_signed_command_is_refused(egress: EgressProcess,
                                                        meeting: Meeting) -> None:
    stop = StopOutput(session_id=meeting.session_id, output_id="x")
    assert command(egress.control_url, stop, secret="another-secret-entirely").status_code == 401
    body = stop.to_json().encode()
    assert httpx.post(egress.control_url + "/control", content=body).status_code == 401


@pytest.mark.parametrize("body", [
    b"not json", b'{"type": "reboot", "session_id": "s"}',
    b'{"type": "stop_output", "session_id": "s"}',
    b'{"type": "set_layout", "session_id": "s", "layout": "mosaic"}',
    b'{"type": "start_outputs", "session_id": "s", "node_url": "ws://127.0.0.1:9/x",'
    b' "join_token": "t", "outputs": []}',
    b'{"type": "start_outputs", "session_id": "s", "node_url": "ws://127.0.0.1:9/x",'
    b' "join_token": "t", "outputs": [{"output_id": "o", "kind": "fax"}]}',
    b'{"type": "start_outputs", "session_id": "s", "node_url": "ws://127.0.0.1:9/x",'
    b' "join_token": "t", "outputs": [{"output_id": "o", "kind": "hls"}], "width": 641}',
    b'{"type": "start_outputs", "session_id": "s", "node_url": "ws://127.0.0.1:9/x",'
    b' "join_token": "t", "outputs": [{"output_id": "o", "kind": "hls"}], "height": 0}',
    b'{"type": "start_outputs", "session_id": "s", "node_url": "ws://127.0.0.1:9/x",'
    b' "join_token": "t", "outputs": [{"output_id": "o", "kind": "hls"}], "width": 7680}'])
def test_a_malformed_command_is_400_and_starts_nothing(egress: EgressProcess,
                                                       fake_web: FakeEgressWeb,
                                                       body: bytes) -> None:
    answer = httpx.post(egress.control_url + "/control", content=body,
                        headers=node_api.signed_headers("test-node-secret", body))
    assert answer.status_code == 400
    assert answer.json()["ok"] is False
    assert fake_web.events_of("o") == []
    assert fake_web.wait_heartbeat_where(
        lambda h: h.egress_id == f"egress-{egress.port}").session_ids == []


def test_commands_for_a_session_it_does_not_run_are_404(egress: EgressProcess) -> None:
    for message in (StopOutput(session_id="nope", output_id="x"),
                    SetLayout(session_id="nope", layout=Layout.SPEAKER)):
        answer = command(egress.control_url, message)
        assert answer.status_code == 404 and answer.json()["ok"] is False


def test_a_refused_join_fails_its_outputs_with_the_reason(egress: EgressProcess,
                                                          fake_web: FakeEgressWeb,
                                                          meeting: Meeting) -> None:
    hls = output(OutputKind.HLS)
    forged = sign(JoinGrant(session_id=meeting.session_id, participant_id="rec-x",
                            display_name="", role=Role.RECORDER,
                            permissions=DEFAULT_PERMISSIONS[Role.RECORDER],
                            node_id=meeting.node.node_id), new_keys().private_pem)
    answer = meeting.start(egress, hls, token=forged)
    assert answer.status_code == 502
    failed = fake_web.wait_state(hls.output_id, OutputState.FAILED)
    assert "4001" in failed.reason


def test_a_session_that_ends_stops_every_output(egress: EgressProcess, fake_web: FakeEgressWeb,
                                                media_node: NodeProcess,
                                                other_meeting: Meeting) -> None:
    session = other_meeting
    publishers = Publishers()
    try:
        publishers.join(media_node.ws_url(session.session_id), session.publisher_token("Ann"),
                        RED)
        hls = output(OutputKind.HLS)
        assert session.start(egress, hls, width=640, height=360).status_code == 200
        # The same output again changes nothing; a layout change is taken.
        assert session.start(egress, hls, width=640, height=360).status_code == 200
        assert command(egress.control_url, SetLayout(
            session_id=session.session_id, layout=Layout.SPEAKER)).status_code == 200
        fake_web.wait_state(hls.output_id, OutputState.LIVE, timeout=15)
        heartbeat = fake_web.wait_heartbeat_where(
            lambda h: session.session_id in h.session_ids)
        assert heartbeat.load.sessions >= 1 and heartbeat.load.outputs >= 1
        ended = asyncio.run(control(media_node, node_api.EndSession(
            session_id=session.session_id)))
        assert ended.status_code == 200
        stopped = fake_web.wait_state(hls.output_id, OutputState.STOPPED, OutputState.FAILED)
        assert stopped.state is OutputState.STOPPED
        assert fake_web.states_of(hls.output_id).count(OutputState.STARTING) == 1
    finally:
        publishers.close()
    playlist = m3u8.load(str(egress.storage / hls.storage_prefix / "live.m3u8"))
    assert playlist.is_endlist and playlist.segments
    answer = command(egress.control_url, StopOutput(session_id=session.session_id,
                                                    output_id=hls.output_id))
    assert answer.status_code == 404  # the room is gone with its last output



def test_an_output_that_cannot_store_fails_with_the_reason_and_the_others_go_on(
        egress: EgressProcess, fake_web: FakeEgressWeb, meeting: Meeting) -> None:
    broken, fine = output(OutputKind.HLS), output(OutputKind.HLS)
    blocked = egress.storage / broken.storage_prefix
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the output's folder should be")
    assert meeting.start(egress, broken, fine, width=640, height=360).status_code == 200
    failed = fake_web.wait_state(broken.output_id, OutputState.FAILED, timeout=20)
    assert "storage write" in failed.reason and broken.storage_prefix in failed.reason
    fake_web.wait_state(fine.output_id, OutputState.LIVE, timeout=20)
    assert command(egress.control_url, StopOutput(session_id=meeting.session_id,
                                                  output_id=fine.output_id)).status_code == 200
    fake_web.wait_state(fine.output_id, OutputState.STOPPED)
    assert OutputState.LIVE not in fake_web.states_of(broken.output_id)
