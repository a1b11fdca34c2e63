"""A stand-in for the web's side of the node link (heartbeats and events),
served from a thread of the test process, that can fail on demand."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web

from app.protocol import node_api
from app.protocol.messages import Message
from tests.helpers import free_port
from tests.sfu.conftest import NODE_SECRET, Keys


@dataclass
class Received:
    at: float  # time.monotonic() when it came
    heartbeat: node_api.Heartbeat


@dataclass
class FakeWeb:
    """Answers as the web does, signed. ``down``: heartbeats answer 503.
    ``drop_events_every``: every n-th events post loses its connection
    before an answer, as a kept-alive connection closed under a request does."""

    keys: Keys
    interval: float = 0.1
    dead_after: float = 0.5
    down: bool = False
    drop_events_every: int = 0
    port: int = field(default_factory=free_port)
    heartbeats: list[Received] = field(default_factory=list)
    events: list[node_api.ParticipantEvent] = field(default_factory=list)
    event_posts: int = 0
    dropped_posts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def heartbeats_since(self, moment: float) -> list[node_api.Heartbeat]:
        with self._lock:
            return [r.heartbeat for r in self.heartbeats if r.at > moment]

    def events_of(self, kind: node_api.EventKind) -> list[node_api.ParticipantEvent]:
        with self._lock:
            return [e for e in self.events if e.kind is kind]

    # --- serving ---------------------------------------------------------

    def start(self) -> None:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise TimeoutError("the fake web did not start")

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.add_routes([web.post(node_api.HEARTBEAT_PATH, self._heartbeat),
                        web.post(node_api.EVENTS_PATH, self._events)])
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        started.set()
        self._loop.run_forever()

    async def _heartbeat(self, request: web.Request) -> web.Response:
        message = await self._message(request)
        if self.down:
            return web.Response(status=503, text="down for the test")
        assert isinstance(message, node_api.Heartbeat)
        with self._lock:
            self.heartbeats.append(Received(time.monotonic(), message))
        return self._signed(node_api.HeartbeatAck(
            join_token_public_key=self.keys.public_pem, interval_seconds=self.interval,
            dead_after_seconds=self.dead_after))

    async def _events(self, request: web.Request) -> web.Response:
        message = await self._message(request)
        assert isinstance(message, node_api.NodeEvents)
        with self._lock:
            self.event_posts += 1
            if self.drop_events_every and self.event_posts % self.drop_events_every == 1:
                self.dropped_posts += 1
                assert request.transport is not None
                request.transport.close()  # no answer: the node sees the connection go
                return web.Response(status=500)
            self.events.extend(message.events)
        return self._signed(node_api.ControlResult(ok=True))

    async def _message(self, request: web.Request) -> object:
        body = await request.read()
        node_api.verify_signed(NODE_SECRET, body, request.headers)
        return node_api.TO_WEB.parse(body)

    def _signed(self, message: Message) -> web.Response:
        body = message.to_json().encode()
        return web.Response(body=body, headers=node_api.signed_headers(NODE_SECRET, body))
