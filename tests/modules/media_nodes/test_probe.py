"""The web's probe of a node a client lost (media_nodes.control.probe),
against real HTTP servers on loopback: what each answer, or its absence, says."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.modules.media_nodes import control
from app.modules.media_nodes.control import Probe, probe
from tests.helpers import free_port


def health_server(status: int, body: dict[str, object]) -> ThreadingHTTPServer:
    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.parametrize(("status", "body", "expected"), [
    (200, {"ready": True, "draining": False, "leaving": False}, Probe.ANSWERED),
    (200, {"ready": True, "draining": True, "leaving": False}, Probe.ANSWERED),  # draining
    (503, {"ready": False, "reason": "no key yet"}, Probe.ANSWERED),  # alive, not ready
    (503, {"ready": False, "leaving": True}, Probe.GONE),  # closing every call
    (200, {"leaving": True}, Probe.GONE),
])
def test_what_a_nodes_health_answer_says(status, body, expected):
    server = health_server(status, body)
    try:
        assert probe(f"http://127.0.0.1:{server.server_address[1]}") is expected
    finally:
        server.shutdown()
        server.server_close()


def test_a_port_nobody_listens_on_is_gone():
    assert probe(f"http://127.0.0.1:{free_port()}") is Probe.GONE


@pytest.fixture
def silent_port(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    monkeypatch.setattr(control, "PROBE_TIMEOUT_SECONDS", 0.3)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(4)
        yield listening.getsockname()[1]


def test_a_node_that_accepts_but_never_answers_is_silent(silent_port):
    assert probe(f"http://127.0.0.1:{silent_port}") is Probe.SILENT
