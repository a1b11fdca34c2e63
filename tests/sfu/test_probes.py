"""A media node's /healthz, /readyz and /metrics: ready only while the web
accepts its heartbeats (the web sends clients only to such a node)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import wait_until
from tests.sfu.conftest import Keys, NodeProcess
from tests.sfu.fake_web import FakeWeb


@pytest.fixture(scope="module")
def web(keys: Keys) -> Iterator[FakeWeb]:
    fake = FakeWeb(keys, down=True)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def linked(keys: Keys, web: FakeWeb) -> Iterator[NodeProcess]:
    process = NodeProcess(keys, "node-probed", WEB_URL=web.url, SFU_JOIN_TOKEN_PUBLIC_KEY="",
                          SFU_HEARTBEAT_SECONDS=str(web.interval))
    yield process
    process.stop()


def test_readyz_follows_the_webs_answers_and_healthz_only_the_process(
        linked: NodeProcess, web: FakeWeb) -> None:
    alive = httpx.get(linked.http + "/healthz")
    assert (alive.status_code, alive.json()) == (200, {"status": "ok", "node_id": "node-probed"})
    refused = httpx.get(linked.http + "/readyz")
    assert refused.status_code == 503
    assert refused.json()["reason"] == "the web has not answered a heartbeat yet"
    web.down = False
    wait_until(lambda: httpx.get(linked.http + "/readyz").status_code == 200,
               "ready once the web answers")
    web.down = True
    wait_until(lambda: httpx.get(linked.http + "/readyz").status_code == 503,
               "not ready once the web stops answering")
    assert "no heartbeat" in httpx.get(linked.http + "/readyz").json()["reason"]
    assert httpx.get(linked.http + "/healthz").status_code == 200


def test_metrics_show_the_nodes_load_and_the_process(linked: NodeProcess) -> None:
    answer = httpx.get(linked.http + "/metrics")
    assert answer.status_code == 200
    samples = dict(line.rsplit(" ", 1) for line in answer.text.splitlines()
                   if line and not line.startswith("#"))
    for name in ("confera_sfu_sessions", "confera_sfu_participants",
                 "confera_sfu_forwarded_streams", "confera_sfu_packets_forwarded_total",
                 "confera_sfu_packets_dropped_total"):
        assert float(samples[name]) == 0, name
    assert float(samples["confera_sfu_cpu_cores"]) >= 0
    assert samples["confera_sfu_ready"] == "0.0"
    assert float(samples["process_cpu_seconds_total"]) > 0
