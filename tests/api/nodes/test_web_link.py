"""The node's side of these endpoints: a real WebLink (in this process, with a
real Node) against a real `confera web`. It keeps trying while the web is
down, keeps the events it could not deliver, learns the join token key and
the interval from the answers, and says goodbye (draining) when stopped."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.security import join_token_keys
from app.extensions import db
from app.modules.hosts.models import Host
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import Participant
from app.modules.meetings.operations import personal_room, running_session
from app.modules.tenants.models import Company
from app.protocol.node_api import EventKind
from app.sfu.config import NodeSettings
from app.sfu.node import Node
from app.sfu.web_link import WebLink
from tests.helpers import confera, free_port, settings_env
from tests.sfu.conftest import run

WEB_INTERVAL = 0.25  # what the web tells nodes; the node starts with another


@pytest.fixture
def ann(app, make_reseller, make_company, make_host) -> dict[str, str]:
    """A participant the web handed a ticket to, not yet seen by any node."""
    company_info = make_company(make_reseller())
    host_info = make_host(company_info)
    with app.app_context():
        company, host = db.session.get(Company, company_info["id"]), \
            db.session.get(Host, host_info["id"])
        assert company is not None and host is not None
        session = running_session(company, personal_room(company, host))
        # Placed on the node of this test: nodes report only their own sessions.
        session.media_node = MediaNode(node_id="linked", url="ws://linked",
                                       control_url="http://linked", started_at=utcnow(),
                                       last_heartbeat_at=utcnow())
        db.session.add(Participant(public_id="ann", session_id=session.id,
                                   display_name="Ann", role="attendee"))
        db.session.commit()
        return {"session_id": session.public_id, "participant_id": "ann"}


class LateWeb:
    """`confera web` on a port chosen now, started when the test says."""

    def __init__(self, settings: Any):
        self.settings = settings
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = settings_env(self.settings, MEDIA_NODE_HEARTBEAT_SECONDS=str(WEB_INTERVAL))
        self.process = confera("web", "--port", self.url.rsplit(":", 1)[1], env=env)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def web(settings) -> Iterator[LateWeb]:
    late = LateWeb(settings)
    yield late
    late.stop()


async def until(condition: Callable[[], Any], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


def test_the_link_outlasts_a_web_that_is_down_and_delivers_what_it_kept(
    app, settings, ann, web
):
    node = Node(NodeSettings.from_env(
        {}, node_id="linked", port=free_port(), web_url=web.url,
        media_node_secret=settings.media_node_secret, heartbeat_seconds=0.2))

    def seen_by_web() -> dict[str, Any]:
        """The node's row (placed in advance, so not draining) and when Ann joined."""
        with app.app_context():
            draining = db.session.execute(
                sa.select(MediaNode.draining).where(MediaNode.node_id == "linked")).scalar()
            joined_at = db.session.execute(
                sa.select(Participant.joined_at).where(Participant.public_id == "ann")).scalar()
            db.session.rollback()
        return {"draining": draining, "joined_at": joined_at}

    async def scenario() -> None:
        link = WebLink(node)
        await link.start()
        try:
            joined_at = time.time()
            node.report(EventKind.JOINED, ann["session_id"], ann["participant_id"])
            await asyncio.sleep(0.5)  # a few refused heartbeats, with backoff
            assert node.public_key == ""
            assert seen_by_web() == {"draining": False, "joined_at": None}

            web.start()
            await until(lambda: node.public_key, "the join token key from the web")
            assert node.public_key == join_token_keys(settings.secret_key)[1]
            assert link.interval == WEB_INTERVAL
            await until(lambda: seen_by_web()["joined_at"], "the kept event")
            seen = seen_by_web()
            assert seen["draining"] is False
            assert abs(seen["joined_at"] - datetime.fromtimestamp(joined_at, UTC)) < \
                timedelta(seconds=1)
        finally:
            node.draining = True  # as run_node does before stopping the link
            started = time.monotonic()
            await link.stop()
            assert time.monotonic() - started < 3
        assert seen_by_web()["draining"] is True

    run(scenario(), timeout=40)
