"""The test app behind a real HTTP server on loopback (werkzeug, threaded),
and the company host names resolving there for this process only: what an
unchanged BBB client library needs to reach a company's API."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[int]:
    """``app`` on 127.0.0.1 at the port yielded."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)


def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch, *host_names: str,
                        address: str = "127.0.0.1") -> None:
    """``host_names`` resolve to ``address`` in this process (Python resolves
    no *.localhost)."""
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real(address if host in host_names else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
