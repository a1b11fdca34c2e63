"""A media node's control endpoint that accepts every command, answering
signed as a node does: enough for commands.end to end a meeting. (Nodes
themselves are tested in tests/sfu.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.protocol import node_api


@contextmanager
def accepting_node(secret: str) -> Iterator[str]:
    """Yields the node's control URL (loopback) while it serves."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = node_api.ControlResult(ok=True).to_json().encode()
            self.send_response(200)
            for name, value in node_api.signed_headers(secret, body).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
