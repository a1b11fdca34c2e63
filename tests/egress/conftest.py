"""A real media node, real publishers, a fake web, and real ``confera
egress`` processes writing to a local storage folder."""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from app.protocol.egress_api import OutputKind, OutputSpec, StartOutputs
from app.protocol.join_token import DEFAULT_PERMISSIONS, JoinGrant, Role, sign
from tests.egress.fake_web import FakeEgressWeb, command
from tests.egress.media import BLUE, RED, Publishers
from tests.helpers import REPO_ROOT, free_port
from tests.sfu.conftest import NODE_SECRET, Keys, NodeProcess, new_keys, new_session


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # No database: the PostgreSQL pass of make test runs them, as tests/sfu's.
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.media)


class EgressProcess:
    def __init__(self, web: FakeEgressWeb, storage: pathlib.Path, **env: str):
        self.port = free_port()
        self.storage = storage
        self.control_url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "egress"], cwd=REPO_ROOT,
            env={**os.environ, "EGRESS_ID": f"egress-{self.port}", "EGRESS_PORT": str(self.port),
                 "WEB_URL": web.url, "MEDIA_NODE_SECRET": NODE_SECRET,
                 "STORAGE_URL": f"file://{storage}", "EGRESS_ICE_ADDRESSES": "127.0.0.1",
                 "EGRESS_HEARTBEAT_SECONDS": "0.5", **env})
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the egress exited with {self.proc.returncode}")
            try:
                if httpx.get(self.control_url + "/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the egress did not start")
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass
class Meeting:
    """A session on the node with two publishers: Ann (red) and Bob (blue),
    and a viewer, Vera."""

    node: NodeProcess
    keys: Keys
    session_id: str
    participants: dict[str, str] = field(default_factory=dict)  # name -> participant id

    def recorder_token(self) -> str:
        return sign(JoinGrant(session_id=self.session_id,
                              participant_id="rec-" + uuid.uuid4().hex[:8],
                              display_name="", role=Role.RECORDER,
                              permissions=DEFAULT_PERMISSIONS[Role.RECORDER],
                              node_id=self.node.node_id), self.keys.private_pem)

    def publisher_token(self, name: str, role: Role = Role.ATTENDEE) -> str:
        self.participants[name] = uuid.uuid4().hex[:12]
        return sign(JoinGrant(session_id=self.session_id, participant_id=self.participants[name],
                              display_name=name, role=role,
                              permissions=DEFAULT_PERMISSIONS[role],
                              node_id=self.node.node_id), self.keys.private_pem)

    def start(self, egress: EgressProcess, *outputs: OutputSpec, width: int = 1280,
              height: int = 720, token: str | None = None) -> httpx.Response:
        return command(egress.control_url, StartOutputs(
            session_id=self.session_id, node_url=self.node.ws_url(self.session_id),
            join_token=token or self.recorder_token(), outputs=list(outputs), width=width,
            height=height))


@pytest.fixture(scope="session")
def egress_keys() -> Keys:
    return new_keys()


@pytest.fixture(scope="session")
def media_node(egress_keys: Keys) -> Iterator[NodeProcess]:
    process = NodeProcess(egress_keys, "node-egress-test")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def fake_web() -> Iterator[FakeEgressWeb]:
    web = FakeEgressWeb()
    web.start()
    yield web
    web.stop()


@pytest.fixture(scope="session")
def meeting(media_node: NodeProcess, egress_keys: Keys) -> Iterator[Meeting]:
    """Two publishers in one session for every egress test, and a viewer
    (who publishes nothing, so gets no tile)."""
    session = Meeting(media_node, egress_keys, new_session())
    publishers = Publishers()
    for name, colour in (("Ann Red", RED), ("Bob Blue", BLUE)):
        publishers.join(media_node.ws_url(session.session_id), session.publisher_token(name),
                        colour)
    publishers.join(media_node.ws_url(session.session_id),
                    session.publisher_token("Vera Viewer", Role.VIEWER), RED)
    yield session
    publishers.close()


@pytest.fixture
def other_meeting(media_node: NodeProcess, egress_keys: Keys) -> Meeting:
    """A session of its own (no publishers yet), for a test that ends it."""
    return Meeting(media_node, egress_keys, new_session())


STORAGE_KIND = {OutputKind.HLS: "live", OutputKind.RECORDING: "recordings",
                OutputKind.SNAPSHOT: "snapshots"}


def output(kind: OutputKind, audio_only: bool = False) -> OutputSpec:
    """A spec with a new id, writing under company 7's keys as the web lays them out."""
    name = f"{kind}-{uuid.uuid4().hex[:8]}"
    return OutputSpec(output_id=name, kind=kind, storage_prefix=f"7/{STORAGE_KIND[kind]}/{name}",
                      audio_only=audio_only)
