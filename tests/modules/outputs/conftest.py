from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.config import Settings
from app.protocol import egress_api, node_api
from tests.modules.outputs.fake_egress import FakeEgress


@pytest.fixture
def fake_egress(settings: Settings) -> Iterator[FakeEgress]:
    egress = FakeEgress(secret=settings.media_node_secret)
    egress.start()
    yield egress
    egress.stop()


@pytest.fixture
def egress_beat(client: FlaskClient, settings: Settings) -> Callable[..., Any]:
    """egress_beat(egress_id, control_url=..., sessions=0, ...): an egress's signed heartbeat."""

    def send(egress_id: str, *, control_url: str | None = None, sessions: int = 0,
             outputs: int = 0, cpu: float = 0.0, max_sessions: int = 0,
             draining: bool = False, started_at: float = 1.0e9,
             secret: str | None = None, now: float | None = None) -> Any:
        heartbeat = egress_api.EgressHeartbeat(
            egress_id=egress_id, control_url=control_url or f"http://{egress_id}.test:7890",
            started_at=started_at,
            load=egress_api.EgressLoad(sessions=sessions, outputs=outputs, cpu=cpu,
                                       max_sessions=max_sessions),
            draining=draining)
        body = heartbeat.to_json().encode()
        headers = node_api.signed_headers(secret or settings.media_node_secret, body,
                                          now=now if now is not None else time.time())
        return client.post(egress_api.HEARTBEAT_PATH, data=body, headers=headers)

    return send


@pytest.fixture
def egress_events(client: FlaskClient, settings: Settings) -> Callable[..., Any]:
    """egress_events(egress_id, *events): an egress's signed events."""

    def send(egress_id: str, *events: egress_api.OutputEvent) -> Any:
        body = egress_api.EgressEvents(egress_id=egress_id, events=list(events)).to_json()
        data = body.encode()
        return client.post(egress_api.EVENTS_PATH, data=data,
                           headers=node_api.signed_headers(settings.media_node_secret, data))

    return send


PIN = "4321"


@pytest.fixture
def meeting(client: FlaskClient, make_reseller: Any, make_company: Any, make_host: Any,
            beat: Any) -> dict[str, Any]:
    """A running meeting on a (registered, unreachable) media node: a
    moderator's and an attendee's tickets, and another company's meeting."""
    company = make_company(make_reseller())
    host = make_host(company, moderator_pin=PIN)
    beat("node-a")

    def ticket(host_name: str, code: str, **body: Any) -> dict[str, Any]:
        answer = client.post(f"/api/v1/rooms/{code}/join", json={"display_name": "X", **body},
                             headers={"Host": host_name})
        assert answer.status_code == 200, answer.json
        return dict(answer.json)

    moderator = ticket(company["host_name"], host["access_code"], moderator_pin=PIN)
    attendee = ticket(company["host_name"], host["access_code"])
    other_company = make_company(make_reseller())
    other_host = make_host(other_company, moderator_pin=PIN)
    other = ticket(other_company["host_name"], other_host["access_code"], moderator_pin=PIN)
    return {"company": company, "host": host, "host_name": company["host_name"],
            "moderator": moderator, "attendee": attendee, "other": other,
            "session_id": moderator["session_id"]}


@pytest.fixture
def act(client: FlaskClient, meeting: dict[str, Any]) -> Callable[..., Any]:
    """act(action, token=<the moderator's>, session_id=<the meeting's>): POST a moderator action."""

    def call(action: str, token: str | None = None, session_id: str | None = None) -> Any:
        token = token or meeting["moderator"]["token"]
        return client.post(f"/api/v1/sessions/{session_id or meeting['session_id']}/{action}",
                           json={}, headers={"Host": meeting["host_name"],
                                             "Authorization": f"Bearer {token}"})

    return call
