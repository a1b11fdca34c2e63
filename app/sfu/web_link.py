"""The node's link to the web: signed heartbeats (load, sessions) that also
fetch the join token key, and participant events, in batches. The loop, its
retries and the signed posts are ``SignedLink``'s, which the egress's link
(app/egress/web_link.py) shares."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Generic, Protocol, TypeVar

import aiohttp

from app.protocol import node_api
from app.protocol.messages import Message, ProtocolError, parse_as
from app.sfu.node import Node

log = logging.getLogger(__name__)

EVENT_BATCH = 200
EVENT_DELAY_SECONDS = 1.0  # events reach the web this soon after they happen
MAX_BACKOFF_SECONDS = 30.0
# Until the web first answers (it may still be starting beside the node, as
# under `make run`), retries start this soon and double up to a second:
# a node nobody has heard of serves nobody, so waiting a whole interval
# after a refused first heartbeat left every join 503 for that long.
FIRST_CONTACT_RETRY_SECONDS = 0.25
FIRST_CONTACT_MAX_RETRY_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 5
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
# A kept-alive connection idle for longer is not used again. The web may close
# an idle one at any moment after its own keep-alive (gunicorn: 2 s); a request
# sent just then fails (ClientOSError "Can not write request body"), and events
# posted on a 1 s tick made that race a matter of minutes under `make run`.
IDLE_CONNECTION_SECONDS = 1.0


class WebRefused(Exception):
    """The web answered a request with an error status."""

    def __init__(self, path: str, status: int, answer: bytes):
        super().__init__(f"{path} answered {status}: {answer[:200]!r}")
        self.status = status


class Contact(Protocol):
    """The process a link speaks for: when the web last answered it."""

    web_answered_at: float | None


E = TypeVar("E")


class SignedLink(Generic[E]):
    """Heartbeats and events until ``stop()``, whatever the web answers.

    Every failure is logged and retried: a link that ended would leave the
    process working while the web, hearing nothing, takes it for dead and
    sends its work elsewhere (or nowhere). A subclass says what a heartbeat
    is (``_beat``) and how a batch of events is posted (``_batch``)."""

    events_path = ""

    def __init__(self, *, web_url: str, secret: str, sender: tuple[str, str],
                 interval: float, owner: Contact, events: asyncio.Queue[E]):
        self._web_url, self._secret, self._sender = web_url, secret, sender
        self.interval = interval
        self._owner, self._events = owner, events
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: list[E] = []

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=REQUEST_TIMEOUT,
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS))
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

    async def _beat(self) -> None:
        raise NotImplementedError

    def _batch(self, events: list[E]) -> Message:
        raise NotImplementedError

    async def _run(self) -> None:
        failures = 0
        next_beat = 0.0
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
        if self._owner.web_answered_at is None:
            return min(self.interval, FIRST_CONTACT_MAX_RETRY_SECONDS,
                       FIRST_CONTACT_RETRY_SECONDS * 2 ** min(failures - 1, 5))
        return min(MAX_BACKOFF_SECONDS, self.interval * 2 ** min(failures, 5) / 2)

    async def _beat_and_report(self) -> None:
        await self._beat()
        await self._report_events()

    async def _report_events(self) -> None:
        """Post the queued events, oldest first; none until the web knows this process."""
        if self._owner.web_answered_at is None:
            return
        self._take_events()
        while self._pending:
            batch = self._pending[:EVENT_BATCH]
            try:
                await self._post(self.events_path, self._batch(batch))
            except WebRefused as exc:
                if exc.status != 400:
                    raise
                # The web will refuse this batch however often it is sent; the
                # events after it must not wait behind it forever.
                log.error("web link: %d events dropped: %s", len(batch), exc)
            del self._pending[:len(batch)]  # only once the web has them (or refused them)
            self._take_events()

    def _take_events(self) -> None:
        while not self._events.empty() and len(self._pending) < EVENT_BATCH:
            self._pending.append(self._events.get_nowait())

    async def _post(self, path: str, message: Message) -> dict[str, object]:
        assert self._session is not None
        body = message.to_json().encode()
        headers = node_api.signed_headers(self._secret, body)
        headers[self._sender[0]] = self._sender[1]
        async with self._session.post(self._web_url + path, data=body,
                                      headers=headers) as response:
            answer = await response.read()
            if response.status != 200:
                raise WebRefused(path, response.status, answer)
            node_api.verify_signed(self._secret, answer, response.headers)
        try:
            data = json.loads(answer)
        except ValueError as exc:
            raise ProtocolError(f"{path}: the web's answer is not JSON") from exc
        if not isinstance(data, dict):
            raise ProtocolError(f"{path}: the web's answer is not an object")
        return data


class WebLink(SignedLink[node_api.ParticipantEvent]):
    """The media node's: heartbeats that also fetch the join token key."""

    events_path = node_api.EVENTS_PATH

    def __init__(self, node: Node):
        super().__init__(web_url=node.settings.web_url, secret=node.settings.media_node_secret,
                         sender=(node_api.NODE_HEADER, node.settings.node_id),
                         interval=node.settings.heartbeat_seconds, owner=node,
                         events=node.events)
        self.node = node
        self.settings = node.settings

    async def _beat(self) -> None:
        heartbeat = node_api.Heartbeat(
            node_id=self.settings.node_id, url=self.settings.public_url,
            control_url=self.settings.control_url, started_at=self.node.started_at,
            load=self.node.load(), session_ids=self.node.session_ids(),
            draining=self.node.draining, leaving=self.node.leaving)
        ack = parse_as(node_api.HeartbeatAck, await self._post(node_api.HEARTBEAT_PATH,
                                                               heartbeat))
        if ack.join_token_public_key != self.node.public_key:
            log.info("web link: got the join token key from %s", self.settings.web_url)
        self.node.public_key = ack.join_token_public_key
        self.interval = ack.interval_seconds
        self.node.web_answered(ack.dead_after_seconds)

    async def beat_now(self) -> None:
        """A heartbeat now, out of turn (the node began draining or leaving);
        one that fails is logged: the regular ones carry the news too."""
        if self._session is None:
            return
        try:
            await asyncio.wait_for(self._beat(), REQUEST_TIMEOUT_SECONDS)
        except Exception as exc:
            log.warning("web link: heartbeat not delivered: %s: %s", type(exc).__name__, exc)

    def _batch(self, events: list[node_api.ParticipantEvent]) -> Message:
        return node_api.NodeEvents(node_id=self.settings.node_id, events=events)
