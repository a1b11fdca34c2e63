"""A participant who rejoins by itself, as the meeting page does: it joins
through the web's join API, and when its node goes away (the close codes the
page reconnects on) asks the web for a new ticket with its last join token
(``rejoin_token``) and connects there, as the same participant."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
from aiortc import MediaStreamTrack

from app.protocol import signalling as sig
from tests.sfu.client import NodeClient

# The page's RECONNECT_CODES (static/meeting/meeting.js).
RECONNECT_CODES = frozenset({1001, 1006, 1011, 4001, 4011})
FIRST_RETRY_SECONDS = 0.25
MAX_RETRY_SECONDS = 2.0
GIVE_UP_SECONDS = 30.0


class RejoiningClient:
    """One participant of a room; ``client`` is its connection now."""

    def __init__(self, web: str, host_name: str, access_code: str, name: str,
                 publish: Callable[[], dict[sig.Source, MediaStreamTrack]] | None = None):
        self.web, self.host_name, self.access_code, self.name = web, host_name, access_code, name
        self._publish = publish or dict
        self.ticket: dict[str, Any] = {}
        self.client: NodeClient | None = None
        self.lost_at: float | None = None  # monotonic, when the last connection was lost
        self.rejoins: list[float] = []  # seconds each rejoin took, from the loss to joined
        self._watch: asyncio.Task[None] | None = None
        self._closing = False

    async def join(self) -> None:
        """In the meeting (joined), and watching the connection."""
        await self._connect(await self._ticket({"display_name": self.name}))
        self._watch = asyncio.create_task(self._watch_connection())

    @property
    def participant_id(self) -> str:
        return str(self.ticket["participant_id"])

    @property
    def node_url(self) -> str:
        return str(self.ticket["node_url"])

    async def close(self) -> None:
        self._closing = True
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self.client is not None:
            await self.client.close()

    async def _watch_connection(self) -> None:
        while not self._closing:
            assert self.client is not None
            code = await self.client.wait_closed(timeout=3600)
            if code not in RECONNECT_CODES:
                return
            self.lost_at = time.monotonic()
            await self.client.close()
            await self._rejoin()
            self.rejoins.append(time.monotonic() - self.lost_at)

    async def _rejoin(self) -> None:
        delay = FIRST_RETRY_SECONDS
        assert self.lost_at is not None
        while time.monotonic() - self.lost_at < GIVE_UP_SECONDS:
            await asyncio.sleep(delay)
            try:
                await self._connect(await self._ticket({"rejoin_token": self.ticket["token"],
                                                         "lost_node": True}))
                return
            except (OSError, TimeoutError, aiohttp.ClientError, httpx.HTTPError):
                delay = min(delay * 2, MAX_RETRY_SECONDS)
        raise TimeoutError(f"{self.name} did not get back in")

    async def _ticket(self, body: dict[str, Any]) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(f"{self.web}/api/v1/rooms/{self.access_code}/join",
                                     json=body, headers={"Host": self.host_name})
        if answer.status_code == 503:
            raise ConnectionError("no media node now")
        answer.raise_for_status()
        return dict(answer.json())

    async def _connect(self, ticket: dict[str, Any]) -> None:
        client = NodeClient(ticket["node_url"], ticket["token"], publish=self._publish())
        try:
            await client.connect()
            await client.wait_for(sig.Joined)
        except BaseException:
            await client.close()
            raise
        self.ticket, self.client = ticket, client
