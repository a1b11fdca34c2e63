"""send_control: the web's signed command to a node, and what comes back.
A node that is gone, silent or not a node is a clear 503, never a hang."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.errors import ServiceUnavailable
from app.modules.media_nodes import control
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.models import MediaNode
from app.protocol import node_api
from tests.helpers import free_port
from tests.sfu.conftest import NodeProcess, new_keys

KICK = node_api.Kick(session_id="no-such-session", participant_id="nobody")


def node_at(control_url: str) -> MediaNode:
    return MediaNode(node_id="node-under-test", url="ws://unused", control_url=control_url)


@pytest.fixture(scope="module")
def node_process(settings) -> Iterator[NodeProcess]:
    process = NodeProcess(new_keys(), "control-test", MEDIA_NODE_SECRET=settings.media_node_secret)
    yield process
    process.stop()


@pytest.mark.media
def test_a_command_for_a_session_the_node_does_not_have_is_ok_false(ctx, node_process):
    result = send_control(node_at(node_process.http), KICK)
    assert result == node_api.ControlResult(ok=False, detail=result.detail)
    assert "no such session" in result.detail


@pytest.mark.media
def test_a_node_with_another_secret_refuses_and_that_is_a_503(app_with, node_process):
    other = app_with(media_node_secret="not-the-nodes-secret-at-all")
    with other.app_context(), pytest.raises(ServiceUnavailable, match="answered 401"):
        send_control(node_at(node_process.http), KICK)


def test_a_node_that_is_not_listening_is_a_503(ctx):
    with pytest.raises(ServiceUnavailable, match="unreachable"):
        send_control(node_at(f"http://127.0.0.1:{free_port()}"), KICK)


def test_a_node_that_never_answers_is_a_503_after_the_timeout(ctx, monkeypatch):
    monkeypatch.setattr(control, "TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="unreachable"):
            send_control(node_at(f"http://127.0.0.1:{silent.getsockname()[1]}"), KICK)
    assert time.monotonic() - started < 3


class Impostor(BaseHTTPRequestHandler):
    """Answers like a node would, but without the node secret's signature."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = node_api.ControlResult(ok=True).to_json().encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_unsigned_answer_is_not_believed(ctx):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        with pytest.raises(ServiceUnavailable, match="answered badly"):
            send_control(node_at(f"http://127.0.0.1:{server.server_address[1]}"), KICK)
    finally:
        server.shutdown()
        server.server_close()
