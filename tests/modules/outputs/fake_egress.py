"""A small egress control server for the web's tests: a real aiohttp server
on loopback, in a thread of the test process, that checks each command's
signature as an egress does, keeps it, and answers signed (or fails on
demand). The real egress process is tested in tests/egress/."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from aiohttp import web

from app.protocol import egress_api, node_api
from tests.helpers import free_port


@dataclass
class FakeEgress:
    secret: str
    egress_id: str = "egress-a"
    # "ok", "refuse" (ok false), "error" (500), or "unsigned" (an answer without signature)
    answer: str = "ok"
    port: int = field(default_factory=free_port)
    commands: list[egress_api.EgressCommand] = field(default_factory=list)
    bad_signatures: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def received(self) -> list[egress_api.EgressCommand]:
        with self._lock:
            return list(self.commands)

    def start(self) -> None:
        started = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise TimeoutError("the fake egress did not start")

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.add_routes([web.post(egress_api.CONTROL_PATH, self._control)])
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        started.set()
        self._loop.run_forever()

    async def _control(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            node_api.verify_signed(self.secret, body, request.headers)
        except node_api.BadSignature as exc:
            with self._lock:
                self.bad_signatures += 1
            return self._signed(egress_api.EgressResult(ok=False, detail=str(exc)), 401)
        command = egress_api.TO_EGRESS.parse(body)
        assert isinstance(command, egress_api.EgressCommand)
        with self._lock:
            self.commands.append(command)
        if self.answer == "error":
            return web.Response(status=500, text="broken for the test")
        if self.answer == "unsigned":
            return web.json_response(egress_api.EgressResult(ok=True).to_dict())
        ok = self.answer == "ok"
        return self._signed(egress_api.EgressResult(ok=ok, detail="" if ok else "full"))

    def _signed(self, message: egress_api.EgressResult, status: int = 200) -> web.Response:
        body = message.to_json().encode()
        return web.Response(status=status, body=body,
                            headers=node_api.signed_headers(self.secret, body))
