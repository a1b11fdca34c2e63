"""Baseline "relay" of ``bench/sfu.py``: aiortc's MediaRelay in ``bench/relay_node.py``,
decoding once and re-encoding for every subscriber; HTTP signalling, clients offer."""

from __future__ import annotations

import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp

from bench.forwarding.processes import LOOPBACK, ClientProcess, ServerProcess, free_port
from bench.forwarding.systems import Subscriber, System


class RelaySubscriber(Subscriber):
    def __init__(self, client: ClientProcess, peer: str, joined_at: float, url: str,
                 http: aiohttp.ClientSession) -> None:
        super().__init__(client, peer, joined_at)
        self._url, self._http = url, http

    async def leave(self) -> None:
        async with self._http.delete(self._url) as response:
            response.raise_for_status()
        await super().leave()


class RelaySystem(System):
    name = "relay"
    description = ("aiortc MediaRelay, decode once and re-encode VP8 per subscriber "
                   "(bench/relay_node.py), one process on 127.0.0.1")

    def __init__(self) -> None:
        self._server: ServerProcess | None = None
        self._http: aiohttp.ClientSession | None = None
        self._base = ""

    async def start(self, log_dir: Path) -> None:
        port = free_port()
        self._base = f"http://{LOOPBACK}:{port}"
        self._server = ServerProcess(
            "relay node", [sys.executable, "-m", "bench.relay_node", "--port", str(port),
                           "--address", LOOPBACK], log_dir / "relay_node.log")
        self._http = aiohttp.ClientSession(raise_for_status=True)
        await self._server.wait_for_port(LOOPBACK, port)

    async def _post(self, path: str, sdp: str) -> dict[str, Any]:
        assert self._http is not None
        async with self._http.post(self._base + path, json={"sdp": sdp}) as response:
            return dict(await response.json())

    async def publish(self, client: ClientProcess) -> None:
        offer = await client.call("offer", role="publisher")
        answer = await self._post("/publish", offer["sdp"])
        await client.call("accept", peer=offer["peer"], sdp=answer["sdp"])

    async def subscribe(self, client: ClientProcess, decode: bool) -> Subscriber:
        assert self._http is not None
        joined_at = time.monotonic()
        offer = await client.call("offer", role="subscriber", decode=decode)
        answer = await self._post("/subscribers", offer["sdp"])
        await client.call("accept", peer=offer["peer"], sdp=answer["sdp"])
        return RelaySubscriber(client, offer["peer"], joined_at,
                               f"{self._base}/subscribers/{answer['id']}", self._http)

    def pid(self) -> int:
        assert self._server is not None
        return self._server.pid

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._server is not None:
            self._server.stop()

    def version(self) -> str:
        return f"aiortc {metadata.version('aiortc')}"
