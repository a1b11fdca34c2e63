"""The node's link to the web: signed heartbeats (load, sessions) that also
fetch the join token key, and participant events, in batches."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp

from app.protocol import node_api
from app.protocol.messages import Message, ProtocolError, parse_as
from app.sfu.node import Node

log = logging.getLogger(__name__)

EVENT_BATCH = 200
MAX_BACKOFF_SECONDS = 30.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=5)


class WebLink:
    def __init__(self, node: Node):
        self.node = node
        self.settings = node.settings
        self.interval = self.settings.heartbeat_seconds
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: list[node_api.ParticipantEvent] = []

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        self._task = asyncio.create_task(self._run(), name="web link")

    async def stop(self) -> None:
        """Send a last heartbeat (draining) and the events still queued, then stop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._session is not None:
            try:
                await asyncio.wait_for(self._beat_and_report(), timeout=3)
            except Exception as exc:  # the web may be gone already; nothing to do
                log.info("web link: last report not delivered: %s", exc)
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._beat_and_report()
                failures = 0
                delay = self.interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, self.interval * 2 ** min(failures, 5) / 2)
                log.warning("web link: %s (retry in %.1f s)", exc, delay)
            await self._wait_for_events(delay)

    async def _wait_for_events(self, delay: float) -> None:
        """Sleep until the next heartbeat, but report events within a second."""
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 1.0))
            if not self.node.events.empty() and self.node.public_key:
                await self._report_events()

    async def _beat_and_report(self) -> None:
        heartbeat = node_api.Heartbeat(
            node_id=self.settings.node_id, url=self.settings.public_url,
            control_url=self.settings.control_url, started_at=self.node.started_at,
            load=self.node.load(), session_ids=self.node.session_ids(),
            draining=self.node.draining)
        ack = parse_as(node_api.HeartbeatAck, await self._post(node_api.HEARTBEAT_PATH,
                                                               heartbeat))
        if ack.join_token_public_key != self.node.public_key:
            log.info("web link: got the join token key from %s", self.settings.web_url)
        self.node.public_key = ack.join_token_public_key
        self.interval = ack.interval_seconds
        await self._report_events()

    async def _report_events(self) -> None:
        while not self.node.events.empty() and len(self._pending) < EVENT_BATCH:
            self._pending.append(self.node.events.get_nowait())
        while self._pending:
            batch = self._pending[:EVENT_BATCH]
            await self._post(node_api.EVENTS_PATH, node_api.NodeEvents(
                node_id=self.settings.node_id, events=batch))
            del self._pending[:len(batch)]  # only once the web has them
            while not self.node.events.empty() and len(self._pending) < EVENT_BATCH:
                self._pending.append(self.node.events.get_nowait())

    async def _post(self, path: str, message: Message) -> dict[str, object]:
        assert self._session is not None
        body = message.to_json().encode()
        headers = node_api.signed_headers(self.settings.media_node_secret, body)
        headers[node_api.NODE_HEADER] = self.settings.node_id
        async with self._session.post(self.settings.web_url + path, data=body,
                                      headers=headers) as response:
            answer = await response.read()
            if response.status != 200:
                raise ConnectionError(f"{path} answered {response.status}: {answer[:200]!r}")
            node_api.verify_signed(self.settings.media_node_secret, answer, response.headers)
        try:
            data = json.loads(answer)
        except ValueError as exc:
            raise ProtocolError(f"{path}: the web's answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{path}: the web's answer is not an object")
        return data
