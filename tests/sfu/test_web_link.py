"""A node never goes silent: whatever the web answers, heartbeats and events
go on, and /health says when the web has stopped hearing them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import aiohttp
import pytest

from app.protocol import signalling as sig
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from app.protocol.node_api import EventKind
from tests.helpers import wait_until
from tests.sfu.conftest import Keys, NodeProcess, new_session, run
from tests.sfu.fake_web import FakeWeb

CYCLES = 200
CLOSED = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


@pytest.fixture
def web(keys: Keys) -> Iterator[FakeWeb]:
    fake = FakeWeb(keys)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def linked(keys: Keys, web: FakeWeb) -> Iterator[NodeProcess]:
    """A node that reports to ``web`` and has no join token key until it answers."""
    process = NodeProcess(keys, "node-linked", WEB_URL=web.url, SFU_JOIN_TOKEN_PUBLIC_KEY="",
                          SFU_HEARTBEAT_SECONDS=str(web.interval))
    wait_until(lambda: process.health()["ready"], "the node heard from the web")
    yield process
    process.stop()


async def join_and_leave(http: aiohttp.ClientSession, ws_url: str, tokens: list[str]) -> None:
    """Join with each token (signalling only: nobody answers the offers), then
    all leave; returns once the node has closed every socket."""
    sockets = []
    for token in tokens:
        ws = await http.ws_connect(ws_url)
        await ws.send_str(sig.Join(token=token).to_json())
        while True:
            frame = await ws.receive(timeout=10)
            assert frame.type == aiohttp.WSMsgType.TEXT, f"closed: {ws.close_code}"
            if isinstance(sig.FROM_NODE.parse(frame.data), sig.Joined):
                break
        sockets.append(ws)
    for ws in sockets:
        await ws.send_str(sig.Leave().to_json())
    for ws in sockets:
        while (await ws.receive(timeout=10)).type not in CLOSED:
            pass


def token(keys: Keys, node: NodeProcess, session_id: str) -> str:
    return sign(JoinGrant(session_id=session_id, participant_id=uuid.uuid4().hex[:12],
                          display_name="Tester", role=Role.ATTENDEE,
                          permissions=DEFAULT_PERMISSIONS[Role.ATTENDEE],
                          node_id=node.node_id), keys.private_pem, ttl_seconds=120)


def test_a_lost_event_post_does_not_stop_the_heartbeats(keys, linked, web):
    """The silent node of `make run`: the web closed an idle kept-alive
    connection as the node posted events on it; the post's exception ended
    the link's task, and no heartbeat or event was sent again."""
    web.drop_events_every = 1_000_000  # only the first post is lost
    session = new_session()

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            await join_and_leave(http, linked.ws_url(session), [token(keys, linked, session)])

    run(scenario())
    wait_until(lambda: web.dropped_posts == 1, "the first event post was lost")
    lost_at = time.monotonic()
    wait_until(lambda: len(web.heartbeats_since(lost_at)) >= 3, "heartbeats after the loss")
    wait_until(lambda: web.events_of(EventKind.SESSION_EMPTY), "the events, sent again")
    assert [e.session_id for e in web.events_of(EventKind.JOINED)] == [session]
    assert linked.health()["ready"]


def test_health_is_503_while_the_web_does_not_answer(linked, web):
    web.down = True
    wait_until(lambda: not linked.health()["ready"], "not ready", timeout=5)
    answer = linked.health_response()
    assert answer.status_code == 503
    assert "no heartbeat" in answer.json()["reason"]
    web.down = False
    wait_until(lambda: linked.health_response().status_code == 200, "ready again", timeout=10)


def test_a_node_that_never_heard_from_the_web_is_not_ready(keys):
    process = NodeProcess(keys, "node-alone", WEB_URL="http://127.0.0.1:9",
                          SFU_HEARTBEAT_SECONDS="0.1")
    try:
        answer = process.health_response()
        assert answer.status_code == 503
        assert answer.json()["reason"] == "the web has not answered a heartbeat yet"
    finally:
        process.stop()


def test_heartbeats_go_on_through_many_joins_and_leaves(keys, linked, web):
    """200 times: two participants join one session and leave (over the
    WebSocket only: nobody answers the node's offers, so no ICE or DTLS; the
    link does not care), and a heartbeat after that reports them gone. Every
    seventh event post loses its connection on the way."""
    web.drop_events_every = 7

    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:
            for cycle in range(CYCLES):
                session = new_session()
                tokens = [token(keys, linked, session) for _ in range(2)]
                await join_and_leave(http, linked.ws_url(session), tokens)
                left_at = time.monotonic()
                await wait_for_heartbeat(web, left_at, cycle)

    run(scenario(), timeout=120)
    wait_until(lambda: len(web.events_of(EventKind.SESSION_EMPTY)) == CYCLES,
               "every session's events")
    assert len(web.events_of(EventKind.JOINED)) == len(web.events_of(EventKind.LEFT)) \
        == 2 * CYCLES
    assert web.dropped_posts >= CYCLES // 10
    assert linked.health()["ready"]


async def wait_for_heartbeat(web: FakeWeb, since: float, cycle: int) -> None:
    deadline = time.monotonic() + 5
    while not any(h.load.participants == 0 for h in web.heartbeats_since(since)):
        assert time.monotonic() < deadline, f"no heartbeat after cycle {cycle}"
        await asyncio.sleep(0.02)


def test_a_node_started_before_the_web_is_ready_soon_after_it(keys: Keys):
    """As under `make run`: the node's first heartbeats are refused while the
    web starts; it is ready about a second after the web answers (its
    first-contact retries wait at most 1 s), not a whole heartbeat interval
    (5 s) later. The bound leaves room for a loaded machine."""
    web = FakeWeb(keys)
    process = NodeProcess(keys, "node-early", WEB_URL=web.url, SFU_JOIN_TOKEN_PUBLIC_KEY="",
                          SFU_HEARTBEAT_SECONDS="5")
    try:
        time.sleep(1.5)  # refused heartbeats: nothing listens yet
        assert not process.health()["ready"]
        web.start()
        waited = wait_until(lambda: process.health()["ready"], "the node heard from the web",
                            timeout=4)
        assert waited < 2.5
    finally:
        process.stop()
        web.stop()
