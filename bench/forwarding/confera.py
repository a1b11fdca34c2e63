"""System "confera" of ``bench/sfu.py``: Confera's media node (``python -m app.cli sfu``),
standalone, driven through its signalling protocol (app/protocol/signalling.py, with join
tokens this module signs with a key pair of its own)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.protocol.join_token import JoinGrant, Permission, Role, sign
from app.protocol.signalling import Answer, Join, Leave
from bench.forwarding.processes import (
    CALL_TIMEOUT,
    LOOPBACK,
    ROOT,
    ClientError,
    ClientProcess,
    ServerProcess,
    SystemUnavailable,
    free_port,
)
from bench.forwarding.systems import Subscriber, System

log = logging.getLogger("bench.sfu")


class ConferaError(Exception):
    """The node refused or dropped a participant."""


class ConferaParticipant:
    """One participant's signalling WebSocket (app/protocol/signalling.py): join, then
    answer every offer the node makes through the client process, until ``leave``."""

    def __init__(self, client: ClientProcess, ws: aiohttp.ClientWebSocketResponse,
                 decode: bool, publish: bool) -> None:
        self.client, self.ws = client, ws
        self.decode, self.publish = decode, publish
        self.peer: str | None = None
        self.answered = asyncio.Event()
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                await self._handle(json.loads(message.data))
        except (ClientError, aiohttp.ClientError, ValueError, KeyError):
            log.exception("confera participant %s: signalling failed", self.peer)
            await self.ws.close()

    async def _handle(self, data: dict[str, Any]) -> None:
        if data.get("type") == "offer":
            await self._answer(data)
        elif data.get("type") == "candidate" and self.peer is not None:
            await self.client.call("candidate", peer=self.peer, candidate=data["candidate"],
                                   sdp_mid=data.get("sdp_mid"),
                                   sdp_mline_index=data.get("sdp_mline_index"))
        elif data.get("type") in ("error", "kicked", "ended"):
            log.warning("confera node: %s", data)

    async def _answer(self, offer: dict[str, Any]) -> None:
        slots = offer.get("publish_slots", {}) if self.publish else {}
        reply = await self.client.call(
            "answer", sdp=offer["sdp"], peer=self.peer, decode=self.decode,
            send_mids=[mid for mid, source in slots.items() if source == "camera"])
        self.peer = reply["peer"]
        await self.ws.send_str(Answer(sdp=reply["sdp"]).to_json())
        self.answered.set()

    async def wait_answered(self, timeout: float = CALL_TIMEOUT) -> None:
        """Return once the first offer is answered; ConferaError if the socket closes first."""
        answered = asyncio.ensure_future(self.answered.wait())
        done, _ = await asyncio.wait([self._task, answered], timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        answered.cancel()
        if not self.answered.is_set():
            reason = f"closed ({self.ws.close_code})" if self._task in done else "no offer"
            raise ConferaError(f"confera node: {reason} after join")

    async def leave(self) -> None:
        if not self.ws.closed:
            await self.ws.send_str(Leave().to_json())
            await self.ws.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self.peer is not None:
            await self.client.call("close", peer=self.peer)


class ConferaSubscriber(Subscriber):
    def __init__(self, participant: ConferaParticipant, joined_at: float) -> None:
        assert participant.peer is not None
        super().__init__(participant.client, participant.peer, joined_at)
        self.participant = participant

    async def leave(self) -> None:
        await self.participant.leave()


class ConferaSystem(System):
    name = "confera"
    description = ("Confera's media node, `python -m app.cli sfu`, standalone, "
                   "SFU_ICE_ADDRESSES=127.0.0.1")
    node_id = "bench-node"

    def __init__(self) -> None:
        self._server: ServerProcess | None = None
        self._http: aiohttp.ClientSession | None = None
        self._publisher: ConferaParticipant | None = None
        self._session_id = f"bench-{uuid.uuid4().hex[:8]}"
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._url = ""

    def _env(self, port: int) -> dict[str, str]:
        public = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {**os.environ, "SFU_NODE_ID": self.node_id, "SFU_PORT": str(port),
                "SFU_LISTEN_HOST": LOOPBACK, "SFU_ICE_ADDRESSES": LOOPBACK,
                "SFU_JOIN_TOKEN_PUBLIC_KEY": public.decode(), "PYTHONUNBUFFERED": "1"}

    async def start(self, log_dir: Path) -> None:
        port = free_port()
        self._url = f"ws://{LOOPBACK}:{port}/sessions/{self._session_id}/ws"
        self._server = ServerProcess("confera node", [sys.executable, "-m", "app.cli", "sfu"],
                                     log_dir / "confera_node.log", self._env(port))
        self._http = aiohttp.ClientSession()
        await self._server.wait_for_port(LOOPBACK, port)

    def _token(self, participant_id: str, permissions: frozenset[Permission]) -> str:
        private = self._key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
        grant = JoinGrant(session_id=self._session_id, participant_id=participant_id,
                          display_name=participant_id, role=Role.GUEST,
                          permissions=permissions, node_id=self.node_id)
        return sign(grant, private.decode(), ttl_seconds=3600)

    async def _join(self, client: ClientProcess, permissions: frozenset[Permission],
                    decode: bool) -> ConferaParticipant:
        assert self._http is not None
        participant_id = f"p-{uuid.uuid4().hex[:8]}"
        try:
            ws = await self._http.ws_connect(self._url)
        except aiohttp.ClientError as exc:
            raise ConferaError(f"confera node: {exc}") from exc
        await ws.send_str(Join(token=self._token(participant_id, permissions)).to_json())
        participant = ConferaParticipant(client, ws, decode,
                                         publish=Permission.PUBLISH_VIDEO in permissions)
        await participant.wait_answered()
        return participant

    async def publish(self, client: ClientProcess) -> None:
        try:
            self._publisher = await self._join(
                client, frozenset({Permission.PUBLISH_VIDEO}), decode=False)
        except ConferaError as exc:  # the node runs but does not speak the protocol yet
            raise SystemUnavailable(str(exc)) from exc

    async def subscribe(self, client: ClientProcess, decode: bool) -> Subscriber:
        joined_at = time.monotonic()
        participant = await self._join(client, frozenset({Permission.SUBSCRIBE}), decode)
        return ConferaSubscriber(participant, joined_at)

    def pid(self) -> int:
        assert self._server is not None
        return self._server.pid

    async def stop(self) -> None:
        if self._publisher is not None:
            with contextlib.suppress(Exception):  # the node may be gone already
                await self._publisher.leave()
        if self._http is not None:
            await self._http.close()
        if self._server is not None:
            self._server.stop()

    def version(self) -> str:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=False).stdout.strip()
        return f"confera {metadata.version('confera')} (working tree on {head or '?'})"
