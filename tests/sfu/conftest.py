"""A real media node process on loopback, and join tokens for it.

The node and the test's own aiortc peers gather ICE candidates on 127.0.0.1
only (SFU_ICE_ADDRESSES; aioice skips loopback by default), so media never
leaves loopback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app.protocol import node_api
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Permission, Role, sign
from app.protocol.messages import Message
from app.protocol.signalling import MuteMode
from app.sfu.aiortc_hooks import restrict_host_addresses
from tests.helpers import REPO_ROOT, free_port

restrict_host_addresses(["127.0.0.1"])
NODE_SECRET = "test-node-secret"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Media tests touch no database: the PostgreSQL pass of make test runs them.
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.media)


@dataclass
class Keys:
    private_pem: str
    public_pem: str


def new_keys() -> Keys:
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return Keys(private, public.decode())


@pytest.fixture(scope="session")
def keys() -> Keys:
    return new_keys()


class NodeProcess:
    def __init__(self, keys: Keys, node_id: str, health_host: str = "127.0.0.1", **env: str):
        self.node_id = node_id
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "sfu"], cwd=REPO_ROOT,
            env={**os.environ, "SFU_NODE_ID": node_id, "SFU_PORT": str(self.port),
                 "SFU_LISTEN_HOST": "127.0.0.1", "SFU_ICE_ADDRESSES": "127.0.0.1",
                 "SFU_JOIN_TOKEN_PUBLIC_KEY": keys.public_pem, "MEDIA_NODE_SECRET": NODE_SECRET,
                 **env})
        self.http = f"http://{health_host}:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the node exited with {self.proc.returncode}")
            try:
                httpx.get(self.http + "/health", timeout=1.0)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the node did not start") from None
                time.sleep(0.1)

    def ws_url(self, session_id: str) -> str:
        return f"ws://127.0.0.1:{self.port}/sessions/{session_id}/ws"

    def health(self) -> dict[str, Any]:
        return dict(self.health_response().json())

    def health_response(self) -> httpx.Response:
        """200 when the node takes joins; 503 with a reason when it does not."""
        return httpx.get(self.http + "/health", timeout=5.0)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def node(keys: Keys) -> Iterator[NodeProcess]:
    process = NodeProcess(keys, "node-test", SFU_JOIN_TIMEOUT_SECONDS="2")
    yield process
    process.stop()


@pytest.fixture
def grant(keys: Keys, node: NodeProcess) -> Callable[..., tuple[str, str]]:
    """grant(session_id, role=..., permissions=..., ttl=..., mute_mode=...)
    -> (ws_url, token)."""

    def make(session_id: str, role: Role = Role.ATTENDEE,
             permissions: frozenset[Permission] | None = None, ttl: int = 120,
             participant_id: str | None = None, name: str = "Tester",
             now: float | None = None, node_id: str | None = None,
             private_pem: str | None = None,
             mute_mode: MuteMode = MuteMode.CONVERSATION,
             extra: dict[str, str] | None = None, locked: bool = False) -> tuple[str, str]:
        token = sign(JoinGrant(
            session_id=session_id, participant_id=participant_id or uuid.uuid4().hex[:12],
            display_name=name, role=role,
            permissions=DEFAULT_PERMISSIONS[role] if permissions is None else permissions,
            node_id=node_id or node.node_id, mute_mode=mute_mode, extra=extra or {},
            locked=locked),
            private_pem or keys.private_pem, ttl_seconds=ttl, now=now)
        return node.ws_url(session_id), token

    return make


def run(scenario: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
    """Run an async test scenario to its end (or fail after ``timeout``)."""
    async def bounded() -> Any:
        return await asyncio.wait_for(scenario, timeout)

    return asyncio.run(bounded())


def new_session() -> str:
    return uuid.uuid4().hex[:16]


async def control(node: NodeProcess, command: Message,
                  secret: str = NODE_SECRET) -> httpx.Response:
    """Send ``command`` to the node's control API, signed as the web signs it."""
    body = command.to_json().encode()
    async with httpx.AsyncClient() as http:
        return await http.post(node.http + node_api.CONTROL_PATH, content=body,
                               headers=node_api.signed_headers(secret, body))
