"""The egress's link to the web: signed heartbeats (load, sessions) and
output events, in batches; every failure logged and retried, as a media
node's (app/sfu/web_link.py, whose timing and error type it shares)."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp

from app.egress.egress import Egress
from app.protocol import egress_api, node_api
from app.protocol.messages import Message, ProtocolError, parse_as
from app.sfu.web_link import (
    EVENT_BATCH,
    EVENT_DELAY_SECONDS,
    FIRST_CONTACT_RETRY_SECONDS,
    IDLE_CONNECTION_SECONDS,
    MAX_BACKOFF_SECONDS,
    REQUEST_TIMEOUT,
    WebRefused,
)

log = logging.getLogger(__name__)

EGRESS_HEADER = "X-Confera-Egress"


class WebLink:
    def __init__(self, egress: Egress):
        self.egress = egress
        self.settings = egress.settings
        self.interval = self.settings.heartbeat_seconds
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: list[egress_api.OutputEvent] = []

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=REQUEST_TIMEOUT,
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS))
        self._task = asyncio.create_task(self._run(), name="web link")

    async def stop(self) -> None:
        """A last heartbeat (draining) and the events still queued, then stop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._session is not None:
            try:
                await asyncio.wait_for(self._beat_and_report(), timeout=5)
            except Exception as exc:  # the web may be gone already
                log.info("web link: last report not delivered: %s", exc)
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        failures, next_beat = 0, 0.0
        try:
            while True:
                try:
                    if time.monotonic() >= next_beat:
                        await self._beat()
                        next_beat = time.monotonic() + self.interval
                    await self._report_events()
                    failures = 0
                    delay = min(EVENT_DELAY_SECONDS, next_beat - time.monotonic())
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    delay = self._retry_delay(failures)
                    next_beat = time.monotonic() + delay
                    log.warning("web link: %s: %s (retry in %.1f s)", type(exc).__name__, exc,
                                delay)
                await asyncio.sleep(max(delay, 0.0))
        finally:
            log.info("web link stopped")

    def _retry_delay(self, failures: int) -> float:
        if self.egress.web_answered_at is None:
            return min(self.interval, FIRST_CONTACT_RETRY_SECONDS * 2 ** min(failures - 1, 5))
        return min(MAX_BACKOFF_SECONDS, self.interval * 2 ** min(failures, 5) / 2)

    async def _beat_and_report(self) -> None:
        await self._beat()
        await self._report_events()

    async def _beat(self) -> None:
        heartbeat = egress_api.EgressHeartbeat(
            egress_id=self.settings.egress_id, control_url=self.settings.control_url,
            started_at=self.egress.started_at, load=self.egress.load(),
            session_ids=self.egress.session_ids(), draining=self.egress.draining)
        ack = parse_as(egress_api.EgressHeartbeatAck,
                       await self._post(egress_api.HEARTBEAT_PATH, heartbeat))
        self.interval = ack.interval_seconds
        self.egress.web_answered(ack.dead_after_seconds)

    async def _report_events(self) -> None:
        """Post the queued events, oldest first, once the web knows this egress."""
        if self.egress.web_answered_at is None:
            return
        self._take_events()
        while self._pending:
            batch = self._pending[:EVENT_BATCH]
            try:
                await self._post(egress_api.EVENTS_PATH, egress_api.EgressEvents(
                    egress_id=self.settings.egress_id, events=batch))
            except WebRefused as exc:
                if exc.status != 400:
                    raise
                log.error("web link: %d events dropped: %s", len(batch), exc)
            del self._pending[:len(batch)]
            self._take_events()

    def _take_events(self) -> None:
        while not self.egress.events.empty() and len(self._pending) < EVENT_BATCH:
            self._pending.append(self.egress.events.get_nowait())

    async def _post(self, path: str, message: Message) -> dict[str, object]:
        assert self._session is not None
        body = message.to_json().encode()
        headers = node_api.signed_headers(self.settings.media_node_secret, body)
        headers[EGRESS_HEADER] = self.settings.egress_id
        async with self._session.post(self.settings.web_url + path, data=body,
                                      headers=headers) as response:
            answer = await response.read()
            if response.status != 200:
                raise WebRefused(path, response.status, answer)
            node_api.verify_signed(self.settings.media_node_secret, answer, response.headers)
        try:
            data = json.loads(answer)
        except ValueError as exc:
            raise ProtocolError(f"{path}: the web's answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{path}: the web's answer is not an object")
        return data
