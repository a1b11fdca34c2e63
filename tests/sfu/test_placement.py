"""The whole pool with real processes: `confera web` and two `confera sfu`
nodes that register by heartbeat, get the join token key from the web, and
take the sessions the web places on them."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.meetings.models import Participant
from app.protocol import signalling as sig
from tests.helpers import confera, free_port, settings_env, wait_for_http
from tests.sfu.client import NodeClient
from tests.sfu.conftest import NodeProcess, run

DEAD_AFTER = 2.0


@pytest.fixture
def pool(settings, keys) -> Iterator[dict[str, Any]]:
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = settings_env(settings, MEDIA_NODE_HEARTBEAT_SECONDS="0.3",
                       MEDIA_NODE_DEAD_AFTER_SECONDS=str(DEAD_AFTER))
    web = confera("web", "--port", str(port), env=env)
    nodes: list[NodeProcess] = []
    try:
        wait_for_http(web_url + "/enterprise_api/openapi.json", "x")
        for name in ("node-1", "node-2"):
            nodes.append(NodeProcess(keys, name, WEB_URL=web_url,
                                     MEDIA_NODE_SECRET=settings.media_node_secret,
                                     SFU_JOIN_TOKEN_PUBLIC_KEY=""))
        wait_until(lambda: all(n.health()["ready"] for n in nodes), "nodes got the key")
        yield {"web": web_url, "nodes": {n.node_id: n for n in nodes}}
    finally:
        for node in nodes:
            node.stop()
        web.terminate()
        web.wait(timeout=15)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def join(pool, company, host, name: str) -> dict[str, Any]:
    answer = httpx.post(f"{pool['web']}/api/v1/rooms/{host['access_code']}/join",
                        json={"display_name": name}, headers={"Host": company["host_name"]},
                        timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def node_of(ticket: dict[str, Any], pool) -> str:
    return next(n for n, node in pool["nodes"].items()
                if ticket["node_url"].startswith(f"ws://127.0.0.1:{node.port}/"))


def test_sessions_spread_over_live_nodes_and_move_when_a_node_dies(
    pool, app, make_reseller, make_company, make_host
):
    company = make_company(make_reseller())
    first_host, second_host = make_host(company), make_host(company)

    async def connect(ticket: dict[str, Any]) -> NodeClient:
        client = NodeClient(ticket["node_url"], ticket["token"])
        await client.connect()
        await client.wait_for(sig.Joined)
        return client

    async def scenario() -> None:
        first = join(pool, company, first_host, "Ann")
        ann = await connect(first)
        try:
            first_node = node_of(first, pool)
            wait_until(lambda: pool["nodes"][first_node].health()["load"]["participants"] == 1,
                       "the node counts Ann")
            time.sleep(0.7)  # a heartbeat carries the new load to the web
            second = join(pool, company, second_host, "Bob")
            assert node_of(second, pool) != first_node, "the less loaded node takes it"

            with app.app_context():
                wait_until(lambda: db.session.execute(
                    sa.select(Participant.joined_at)
                    .where(Participant.public_id == first["participant_id"])).scalar()
                    is not None, "the node reported Ann's join")

            os.kill(pool["nodes"][first_node].proc.pid, signal.SIGKILL)  # no goodbye
            time.sleep(DEAD_AFTER + 0.5)
            again = join(pool, company, first_host, "Cid")
            assert again["session_id"] == first["session_id"]
            assert node_of(again, pool) != first_node
            cid = await connect(again)
            await cid.close()
        finally:
            await ann.close()

    run(scenario(), timeout=90)
