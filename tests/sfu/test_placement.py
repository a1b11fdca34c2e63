"""The whole pool with real processes: `confera web` and two `confera sfu`
nodes that register by heartbeat, get the join token key from the web, and
take the sessions the web places on them."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.meetings.models import Participant
from tests.helpers import wait_until
from tests.pool import Pool, running_pool
from tests.sfu.client import NodeClient, joined_client
from tests.sfu.conftest import run

DEAD_AFTER = 2.0


@pytest.fixture
def pool(settings) -> Iterator[Pool]:
    with running_pool(settings, ("node-1", "node-2"), DEAD_AFTER) as running:
        yield running






def test_sessions_spread_over_live_nodes_and_move_when_a_node_dies(
    pool, app, make_reseller, make_company, make_host
):
    company = make_company(make_reseller())
    first_host, second_host = make_host(company), make_host(company)

    async def connect(ticket: dict[str, Any]) -> NodeClient:
        return await joined_client(ticket["node_url"], ticket["token"])

    async def scenario() -> None:
        first = pool.join(company, first_host, "Ann")
        ann = await connect(first)
        try:
            first_node = pool.node_of(first)
            wait_until(lambda: pool.nodes[first_node].health()["load"]["participants"] == 1,
                       "the node counts Ann")
            time.sleep(0.7)  # a heartbeat carries the new load to the web
            second = pool.join(company, second_host, "Bob")
            assert pool.node_of(second) != first_node, "the less loaded node takes it"

            with app.app_context():
                wait_until(lambda: db.session.execute(
                    sa.select(Participant.joined_at)
                    .where(Participant.public_id == first["participant_id"])).scalar()
                    is not None, "the node reported Ann's join")

            os.kill(pool.nodes[first_node].proc.pid, signal.SIGKILL)  # no goodbye
            time.sleep(DEAD_AFTER + 0.5)
            again = pool.join(company, first_host, "Cid")
            assert again["session_id"] == first["session_id"]
            assert pool.node_of(again) != first_node
            cid = await connect(again)
            await cid.close()
        finally:
            await ann.close()

    run(scenario(), timeout=90)
