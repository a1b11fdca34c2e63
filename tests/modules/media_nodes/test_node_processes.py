"""The registry with real processes: `confera web` and two `confera sfu`
nodes that register by signed heartbeats, take the sessions the web places on
them, obey its signed control commands, and say goodbye when stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

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
from tests.helpers import wait_until
from tests.pool import Pool, running_pool
from tests.sfu.client import NodeClient
from tests.sfu.conftest import run

pytestmark = pytest.mark.media


@pytest.fixture
def pool(settings) -> Iterator[Pool]:
    # Dead-after is long here on purpose: a stopped node must be left at once
    # because it said so (draining), not because its heartbeats ran out.
    with running_pool(settings, ("pool-1", "pool-2"), dead_after_seconds=60) as running:
        yield running


def registry(app: Flask) -> dict[str, bool]:
    """node_id -> draining, as the web's table says now."""
    with app.app_context():
        rows = db.session.execute(sa.select(MediaNode.node_id, MediaNode.draining)).all()
        return {node_id: draining for node_id, draining in rows}






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
    wait_until(lambda: all(n.health()["ready"] for n in pool.nodes.values()),
               "both nodes got the join token key from the web")

    first = pool.join(company, first_host, "Ann")
    chosen = pool.node_of(first)
    grant = verify(first["token"], join_token_keys(settings.secret_key)[1])
    assert (grant.node_id, grant.session_id, grant.participant_id, grant.role) == \
        (chosen, first["session_id"], first["participant_id"], Role.ATTENDEE)

    async def kick_ann_and_a_stranger() -> None:
        ann = NodeClient(first["node_url"], first["token"])
        await ann.connect()
        try:
            await ann.wait_for(sig.Joined)  # the node verified the web's token
            await ann.wait_negotiated()
            kicked = await control(app, chosen, node_api.Kick(
                session_id=first["session_id"], participant_id=first["participant_id"]))
            assert kicked == node_api.ControlResult(ok=True)
            assert await ann.wait_closed() == sig.CloseCode.KICKED
            again = NodeClient(first["node_url"], first["token"])  # the token is spent
            await again.connect()
            assert await again.wait_closed() == sig.CloseCode.WRONG_SESSION
            await again.close()
            unknown = await control(app, chosen, node_api.Kick(
                session_id="no-such-session", participant_id="nobody"))
            assert unknown.ok is False and "no such session" in unknown.detail
        finally:
            await ann.close()

    run(kick_ann_and_a_stranger(), timeout=30)

    pool.nodes[chosen].stop()  # SIGTERM: the node's last heartbeat says draining
    assert pool.nodes[chosen].proc.returncode == 0
    wait_until(lambda: registry(app)[chosen], "the stopped node is marked draining")
    other = next(node_id for node_id in pool.nodes if node_id != chosen)
    assert pool.node_of(pool.join(company, second_host, "Bob")) == other
    again = pool.join(company, first_host, "Cid")  # the first room's session moves too
    assert (again["session_id"], pool.node_of(again)) == (first["session_id"], other)
