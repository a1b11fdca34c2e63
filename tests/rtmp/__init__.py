"""A real RTMP server for the tests: node-media-server's RTMP session on Node
(tests/rtmp/server.js; ``make install`` puts its node_modules there),
listening on one loopback address. Anyone may publish to
``rtmp://<address>:<port>/<app>/<stream>`` and play the same URL back."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import free_port, wait_until

SERVER_DIR = Path(__file__).resolve().parent
START_TIMEOUT = 15.0


class RtmpServer:
    """The running server; ``published`` is every stream path published so far
    (``/live/x``), in order, from the server's own log on stdout."""

    def __init__(self, address: str, port: int, process: subprocess.Popen[str]):
        self.address, self.port, self.process = address, port, process
        self.published: list[str] = []
        self.unpublished: list[str] = []
        self.drops = 0
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, name="rtmp server log", daemon=True)
        self._reader.start()

    def url(self, path: str) -> str:
        return f"rtmp://{self.address}:{self.port}{path}"

    def drop_connections(self) -> None:
        """Close every connection, as an ingest that goes away does; it goes on
        listening (tests/rtmp/server.js on SIGUSR2)."""
        seen = self.drops
        self.process.send_signal(signal.SIGUSR2)
        wait_until(lambda: self.drops > seen, "the RTMP server dropped its connections")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            word, _, path = line.strip().partition(" ")
            if word == "ready":
                self._ready.set()
            elif word == "publish":
                self.published.append(path)
            elif word == "unpublish":
                self.unpublished.append(path)
            elif word == "dropped":
                self.drops += 1


@contextmanager
def rtmp_server(address: str = "127.0.0.1") -> Iterator[RtmpServer]:
    """The server on a free port of ``address``, stopped on exit."""
    if not (SERVER_DIR / "node_modules" / "node-media-server").is_dir():
        raise RuntimeError("tests/rtmp/node_modules is missing: run make install")
    port = free_port()
    process = subprocess.Popen(["node", "server.js"], cwd=SERVER_DIR, text=True,
                               env={**os.environ, "HOST": address, "PORT": str(port)},
                               stdout=subprocess.PIPE)
    server = RtmpServer(address, port, process)
    try:
        if not server._ready.wait(START_TIMEOUT):
            raise RuntimeError(f"the RTMP server did not listen within {START_TIMEOUT} s "
                               f"(exit code {process.poll()})")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
