"""The rooms API with real media: `confera web` and a real media node on
loopback, and aiortc participants that join with nothing but what the API
answers (``signaling``: the node's WebSocket and a join token). They are
listed in GET users, get the API's messages, are kicked by DELETE users,
and a lock keeps a new guest out (423) while an access-key user gets back
in."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from app.protocol import signalling as sig
from tests.helpers import confera, free_port, settings_env, wait_for_http
from tests.sfu.client import NodeClient, joined_client
from tests.sfu.conftest import NodeProcess, new_keys, run
from tests.sfu.media import CounterVideo

pytestmark = pytest.mark.media


class Served:
    """The web and its one media node, both on 127.0.0.1."""

    def __init__(self, port: int, node: NodeProcess):
        self.port, self.node = port, node

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/rooms/v1"


@pytest.fixture(scope="module")
def served(settings) -> Iterator[Served]:
    port = free_port()
    env = settings_env(settings, PUBLIC_SCHEME="http", PUBLIC_PORT=str(port),
                       MEDIA_NODE_HEARTBEAT_SECONDS="1")
    web = confera("web", "--host", "127.0.0.1", "--port", str(port), env=env)
    node = None
    try:
        wait_for_http(f"http://127.0.0.1:{port}/enterprise_api/openapi.json", "x")
        node = NodeProcess(new_keys(), "rooms-media-node", WEB_URL=f"http://127.0.0.1:{port}",
                           MEDIA_NODE_SECRET=settings.media_node_secret,
                           SFU_JOIN_TOKEN_PUBLIC_KEY="")
        yield Served(port, node)
    finally:
        if node is not None:
            node.stop()
        web.terminate()
        web.wait(timeout=15)


@pytest.fixture
def team(app, served, make_reseller, make_company, make_api_key) -> dict[str, Any]:
    """A company with an API key, once the node is in the registry again (the
    previous test's clean-up emptied it; its next heartbeat brings it back)."""
    deadline = time.monotonic() + 10
    with app.app_context():
        while db.session.execute(sa.select(MediaNode.id)).first() is None:
            assert time.monotonic() < deadline, "the media node did not register"
            db.session.rollback()
            time.sleep(0.1)
    company = make_company(make_reseller())
    return {**company, "api_key": make_api_key(company)}


class Api:
    """The rooms API over HTTP, as an integrator calls it."""

    def __init__(self, served: Served, team: dict[str, Any]):
        self.base = served.api
        self.host, self.key = team["host_name"], team["api_key"]

    async def __call__(self, method: str, path: str, key: bool = False,
                       **body: Any) -> httpx.Response:
        headers = {"Host": self.host, **({"Authorization": self.key} if key else {})}
        async with httpx.AsyncClient(timeout=10) as http:
            return await http.request(method, self.base + path, headers=headers,
                                      json=body or None)

    async def users(self, access_key: str, count: int) -> list[dict[str, Any]]:
        """GET users once it lists ``count`` users (the node reports joins a moment later)."""
        deadline = time.monotonic() + 15
        while True:
            listed = (await self("GET", f"/rooms/{access_key}/users")).json()
            if len(listed) == count or time.monotonic() > deadline:
                return listed
            await asyncio.sleep(0.2)


async def join(document: dict[str, Any]) -> NodeClient:
    """A participant joins with the room document's signaling data alone."""
    signaling = document["signaling"]["options"]
    return await joined_client(signaling["endpoint"], signaling["auth_token"],
                               publish={sig.Source.CAMERA: CounterVideo()})


def test_participants_join_by_the_signaling_data_and_are_moderated_by_the_api(served, team):
    api = Api(served, team)

    async def scenario() -> None:
        made = await api("POST", "/rooms", key=True, id="media", user={"id": "jane",
                                                                        "name": "Jane"},
                         options={"lock_available": True})
        assert made.status_code == 201, made.text
        jane_doc = made.json()
        key = jane_doc["access_key"]
        guest_doc = (await api("POST", f"/guests/{jane_doc['room']['guest_token']}",
                               name="Visitor", id="visitor")).json()
        jane, guest = await join(jane_doc), await join(guest_doc)
        clients = [jane, guest]
        try:
            listed = await api.users(key, 2)
            assert sorted((u["id"], u["guest"]) for u in listed) == [
                ("jane", False), ("visitor", True)]
            assert all(u["joined_at"] for u in listed)

            seen = guest.mark()
            assert (await api("POST", f"/rooms/{key}/messages", type="chat",
                              content="Welcome")).status_code == 201
            chat = await guest.wait_for(sig.ChatMessage, since=seen)
            assert (chat.from_name, chat.text) == ("Jane", "Welcome")
            assert (await api("POST", f"/rooms/{key}/messages", type="custom",
                              content='{"slide": 2}')).status_code == 201
            custom = await guest.wait_for(sig.CustomMessage, since=seen)
            assert custom.content == '{"slide": 2}'

            kicked = await api("DELETE", f"/rooms/{key}/users/visitor")
            assert kicked.status_code == 200, kicked.text
            assert await guest.wait_closed() == sig.CloseCode.KICKED
            assert [u["id"] for u in await api.users(key, 1)] == ["jane"]

            assert (await api("POST", f"/rooms/{key}/lock")).status_code == 201
            await jane.wait_for(sig.Locked, lambda m: m.locked)
            late = await api("POST", f"/guests/{jane_doc['room']['guest_token']}", name="Late")
            assert late.status_code == 423 and late.json()["error"]

            # Jane leaves and comes back with her access key: a fresh token lets her in.
            await jane.close()
            again = (await api("GET", f"/rooms/{key}")).json()
            assert again["locked"] is True
            back = await join(again)
            clients.append(back)
            joined = back.seen(sig.Joined)[0]
            assert joined.locked is True
        finally:
            for client in clients:
                await client.close()

    run(scenario(), timeout=90)
