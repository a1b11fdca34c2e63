"""The egress's /healthz, /readyz and /metrics while it records a meeting,
and the node's packet counters as it forwards to the egress."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from app.protocol.egress_api import OutputKind, OutputState, StopOutput
from tests.egress.conftest import EgressProcess, Meeting, output
from tests.egress.fake_web import FakeEgressWeb, command
from tests.helpers import wait_until


@pytest.fixture(scope="module")
def egress(tmp_path_factory: pytest.TempPathFactory,
           fake_web: FakeEgressWeb) -> Iterator[EgressProcess]:
    process = EgressProcess(fake_web, tmp_path_factory.mktemp("storage"))
    yield process
    process.stop()


def _samples(url: str) -> dict[str, float]:
    answer = httpx.get(url + "/metrics")
    assert answer.status_code == 200
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in answer.text.splitlines() if line and not line.startswith("#")}


def test_probes_and_metrics_while_an_egress_records_a_meeting(
        egress: EgressProcess, meeting: Meeting, fake_web: FakeEgressWeb) -> None:
    alive = httpx.get(egress.control_url + "/healthz")
    assert (alive.status_code, alive.json()["status"]) == (200, "ok")
    assert httpx.get(egress.control_url + "/readyz").json() == {
        "status": "ok", "egress_id": f"egress-{egress.port}"}
    node_before = _samples(meeting.node.http)["confera_sfu_packets_forwarded_total"]
    live = output(OutputKind.HLS)
    assert meeting.start(egress, live, width=640, height=360).status_code == 200
    try:
        fake_web.wait_state(live.output_id, OutputState.LIVE)
        wait_until(lambda: _samples(egress.control_url)["confera_egress_pictures_encoded_total"]
                   > 30, "pictures encoded")
        egress_now = _samples(egress.control_url)
        assert egress_now["confera_egress_rooms"] == 1
        assert egress_now["confera_egress_outputs"] == 1
        assert egress_now["confera_egress_encode_seconds_total"] > 0
        assert egress_now["confera_egress_encode_speed"] > 0  # times real time (load-bound)
        wait_until(lambda: _samples(meeting.node.http)["confera_sfu_packets_forwarded_total"]
                   > node_before + 50, "the node forwards to the egress")
        node_now = _samples(meeting.node.http)
        assert node_now["confera_sfu_participants"] >= 4  # three people and the egress
        assert node_now["confera_sfu_forwarded_streams"] >= 2
    finally:
        command(egress.control_url, StopOutput(session_id=meeting.session_id,
                                               output_id=live.output_id))
    fake_web.wait_state(live.output_id, OutputState.STOPPED, OutputState.FAILED)
    wait_until(lambda: _samples(egress.control_url)["confera_egress_rooms"] == 0, "room closed")
    after = _samples(egress.control_url)
    # A closed room's pictures still count: counters never go down.
    assert after["confera_egress_pictures_encoded_total"] >= \
        egress_now["confera_egress_pictures_encoded_total"]
