"""Eyeson's own Python package (PyPI ``eyeson``), unchanged, against this
server over real HTTP on loopback: only its base URL points here. It starts
a meeting, reads it, lists running meetings, adds a guest, sends a message,
and the meeting is ended with its access key."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from eyeson.eyeson import EyesonClient
from werkzeug.serving import make_server


@pytest.fixture
def base_url(app, team, monkeypatch) -> Iterator[str]:
    """The rooms API at the company's host name, served on loopback; the
    host name resolves there for this process only (Python resolves no
    *.localhost), so the client sends it in its Host header as it would."""
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == team["host_name"] else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{team['host_name']}:{server.server_port}/api/rooms/v1"
    server.shutdown()
    thread.join(timeout=5)


def test_the_eyeson_client_runs_a_meeting_here(base_url, team, node_accepts):
    client = EyesonClient.create_room("jane", team["api_key"], base_url=base_url,
                                      custom_params={"options[widescreen]": "true"})
    details = client.room_details
    assert details["room"]["id"] == "room1"  # the id the package always asks for
    assert details["user"] == {"id": "jane", "room_id": "room1", "name": "jane",
                               "avatar": None, "guest": False, "blocked": False,
                               "ready": True}
    assert details["options"]["sfu_mode"] == "disabled"  # as the package asks
    assert details["options"]["widescreen"] is True

    again = client.get_room_details()
    assert again["access_key"] == client.access_key and again["room"]["id"] == "room1"

    assert [room["id"] for room in client.get_rooms()] == ["room1"]

    token = details["room"]["guest_token"]
    guest = json.loads(client.join_guest(token, username="Visitor"))
    assert guest["user"]["guest"] is True and guest["user"]["name"] == "Visitor"
    assert guest["room"]["id"] == "room1"

    assert client.broadcast_message("Welcome!") == ""  # 201, no body

    # The package has no "end meeting" method; its own DELETE does it.
    client._EyesonClient__delete("/rooms/" + client.access_key)  # type: ignore[attr-defined]
    gone = client.session.get(f"{base_url}/rooms/{client.access_key}")
    assert gone.status_code == 410 and gone.json() == {"error": "The meeting has ended"}
    assert client.get_rooms() == []
