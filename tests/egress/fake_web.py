"""A stand-in for the web's side of the egress link: signed heartbeats and
output events, served from a thread of the test process; and the control
commands the web sends an egress, signed as the web signs them."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from aiohttp import web

from app.protocol import egress_api, node_api
from app.protocol.messages import Message
from tests.helpers import free_port
from tests.sfu.conftest import NODE_SECRET


@dataclass
class FakeEgressWeb:
    interval: float = 0.5
    port: int = field(default_factory=free_port)
    heartbeats: list[egress_api.EgressHeartbeat] = field(default_factory=list)
    events: list[egress_api.OutputEvent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def events_of(self, output_id: str) -> list[egress_api.OutputEvent]:
        with self._lock:
            return [e for e in self.events if e.output_id == output_id]

    def states_of(self, output_id: str) -> list[egress_api.OutputState]:
        return [e.state for e in self.events_of(output_id)]

    def wait_state(self, output_id: str, *states: egress_api.OutputState,
                   timeout: float = 30.0) -> egress_api.OutputEvent:
        """The first event of ``output_id`` in one of ``states`` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events_of(output_id) if e.state in states]
            if found:
                return found[0]
            time.sleep(0.1)
        raise TimeoutError(f"{output_id}: no {states} in {self.states_of(output_id)}")

    def wait_heartbeat_where(self, where: Callable[[egress_api.EgressHeartbeat], bool],
                             timeout: float = 10.0) -> egress_api.EgressHeartbeat:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [h for h in self.heartbeats if where(h)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise TimeoutError("no such heartbeat from the egress")

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
        app.add_routes([web.post(egress_api.HEARTBEAT_PATH, self._heartbeat),
                        web.post(egress_api.EVENTS_PATH, self._events)])
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        started.set()
        self._loop.run_forever()

    async def _heartbeat(self, request: web.Request) -> web.Response:
        message = await self._message(request)
        assert isinstance(message, egress_api.EgressHeartbeat)
        with self._lock:
            self.heartbeats.append(message)
        return _signed(egress_api.EgressHeartbeatAck(interval_seconds=self.interval,
                                                     dead_after_seconds=self.interval * 3))

    async def _events(self, request: web.Request) -> web.Response:
        message = await self._message(request)
        assert isinstance(message, egress_api.EgressEvents)
        with self._lock:
            self.events.extend(message.events)
        return _signed(egress_api.EgressResult(ok=True))

    async def _message(self, request: web.Request) -> object:
        body = await request.read()
        node_api.verify_signed(NODE_SECRET, body, request.headers)
        return egress_api.TO_WEB.parse(body)


def _signed(message: Message) -> web.Response:
    body = message.to_json().encode()
    return web.Response(body=body, headers=node_api.signed_headers(NODE_SECRET, body))


def command(control_url: str, message: Message, secret: str = NODE_SECRET,
            timeout: float = 30.0) -> httpx.Response:
    """Post ``message`` to an egress's control API, signed as the web signs it."""
    body = message.to_json().encode()
    return httpx.post(control_url + egress_api.CONTROL_PATH, content=body,
                      headers=node_api.signed_headers(secret, body), timeout=timeout)
