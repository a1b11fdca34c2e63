"""The registry with real processes: `confera web` and two `confera sfu`
nodes that register by signed heartbeats, take the sessions the web places on
them, obey its signed control commands, and say goodbye when stopped."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from flask import Flask

from app.core.security import join_token_keys
from app.extensions import db
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.models import MediaNode
from app.protocol import node_api
from app.protocol import signalling as sig
from app.protocol.join_token import Role, verify
from app.protocol.messages import Message
from tests.helpers import confera, free_port, settings_env, wait_for_http
from tests.sfu.client import NodeClient
from tests.sfu.conftest import NodeProcess, new_keys, run

pytestmark = pytest.mark.media


@pytest.fixture
def pool(settings) -> Iterator[dict[str, Any]]:
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    # Dead-after is long here on purpose: a stopped node must be left at once
    # because it said so (draining), not because its heartbeats ran out.
    env = settings_env(settings, MEDIA_NODE_HEARTBEAT_SECONDS="0.3",
                       MEDIA_NODE_DEAD_AFTER_SECONDS="60")
    web = confera("web", "--port", str(port), env=env)
    nodes: list[NodeProcess] = []
    try:
        wait_for_http(web_url + "/enterprise_api/openapi.json", "x")
        for name in ("pool-1", "pool-2"):
            # No public key given: each node must get it from the web's answer.
            nodes.append(NodeProcess(new_keys(), name, WEB_URL=web_url,
                                     MEDIA_NODE_SECRET=settings.media_node_secret,
                                     SFU_JOIN_TOKEN_PUBLIC_KEY=""))
        yield {"web": web_url, "nodes": {n.node_id: n for n in nodes}}
    finally:
        for node in nodes:
            node.stop()
        web.terminate()
        web.wait(timeout=15)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def registry(app: Flask) -> dict[str, bool]:
    """node_id -> draining, as the web's table says now."""
    with app.app_context():
        rows = db.session.execute(sa.select(MediaNode.node_id, MediaNode.draining)).all()
        return {node_id: draining for node_id, draining in rows}


def join(pool: dict[str, Any], company: dict[str, Any], host: dict[str, Any],
         name: str) -> dict[str, Any]:
    answer = httpx.post(f"{pool['web']}/api/v1/rooms/{host['access_code']}/join",
                        json={"display_name": name}, headers={"Host": company["host_name"]},
                        timeout=10)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def node_of(pool: dict[str, Any], ticket: dict[str, Any]) -> str:
    [node_id] = [node_id for node_id, node in pool["nodes"].items()
                 if ticket["node_url"] == node.ws_url(ticket["session_id"])]
    return node_id


async def control(app: Flask, node_id: str, command: Message) -> node_api.ControlResult:
    """send_control from a thread: it blocks, and this loop runs the client."""
    def send() -> node_api.ControlResult:
        with app.app_context():
            node = db.session.execute(
                sa.select(MediaNode).where(MediaNode.node_id == node_id)).scalar_one()
            return send_control(node, command)

    return await asyncio.to_thread(send)


def test_nodes_register_take_sessions_obey_control_and_leave_when_stopped(
    pool, app, settings, make_reseller, make_company, make_host
):
    company = make_company(make_reseller())
    first_host, second_host = make_host(company), make_host(company)
    wait_until(lambda: set(registry(app)) == {"pool-1", "pool-2"}, "both nodes registered")
    wait_until(lambda: all(n.health()["ready"] for n in pool["nodes"].values()),
               "both nodes got the join token key from the web")

    first = join(pool, company, first_host, "Ann")
    chosen = node_of(pool, first)
    grant = verify(first["token"], join_token_keys(settings.secret_key)[1])
    assert (grant.node_id, grant.session_id, grant.participant_id, grant.role) == \
        (chosen, first["session_id"], first["participant_id"], Role.ATTENDEE)

    async def kick_ann_and_a_stranger() -> None:
        ann = NodeClient(first["node_url"], first["token"])
        await ann.connect()
        try:
            await ann.wait_for(sig.Joined)  # the node verified the web's token
            # Kicked mid-negotiation the node may reset the socket before the
            # close frame is read (1006); that race is the node's, not this test's.
            await ann.wait_negotiated()
            kicked = await control(app, chosen, node_api.Kick(
                session_id=first["session_id"], participant_id=first["participant_id"]))
            assert kicked == node_api.ControlResult(ok=True)
            assert await ann.wait_closed() == sig.CloseCode.KICKED
            unknown = await control(app, chosen, node_api.Kick(
                session_id="no-such-session", participant_id="nobody"))
            assert unknown.ok is False and "no such session" in unknown.detail
        finally:
            await ann.close()

    run(kick_ann_and_a_stranger(), timeout=30)

    pool["nodes"][chosen].stop()  # SIGTERM: the node's last heartbeat says draining
    assert pool["nodes"][chosen].proc.returncode == 0
    wait_until(lambda: registry(app)[chosen], "the stopped node is marked draining")
    other = next(node_id for node_id in pool["nodes"] if node_id != chosen)
    assert node_of(pool, join(pool, company, second_host, "Bob")) == other
    again = join(pool, company, first_host, "Cid")  # the first room's session moves too
    assert (again["session_id"], node_of(pool, again)) == (first["session_id"], other)
