"""POST /internal/media_nodes/events: what a node saw, signed like heartbeats.
These endpoints serve every tenant, so any host name reaches them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.meetings.models import Participant
from app.protocol import node_api


@pytest.fixture
def ticket(client, beat, make_reseller, make_company, make_host) -> dict:
    company = make_company(make_reseller())
    host = make_host(company)
    beat("node-a")
    answer = client.post(f"/api/v1/rooms/{host['access_code']}/join",
                         json={"display_name": "Ann"}, headers={"Host": company["host_name"]})
    assert answer.status_code == 200, answer.json
    return {**answer.json, "host_name": company["host_name"]}


def events_body(ticket: dict, *kinds: node_api.EventKind, at: float) -> bytes:
    return node_api.NodeEvents(node_id="node-a", events=[
        node_api.ParticipantEvent(kind=kind, session_id=ticket["session_id"],
                                  participant_id=ticket["participant_id"], at=at)
        for kind in kinds]).to_json().encode()


def participant_times(app, ticket: dict) -> tuple[datetime | None, datetime | None]:
    with app.app_context():
        row = db.session.execute(
            sa.select(Participant.joined_at, Participant.left_at)
            .where(Participant.public_id == ticket["participant_id"])).one()
        return row.joined_at, row.left_at


def test_signed_events_record_when_a_participant_joined_and_left(app, client, settings,
                                                                 ticket, snapshot):
    at = time.time()
    body = events_body(ticket, node_api.EventKind.JOINED, node_api.EventKind.TALKING,
                       node_api.EventKind.LEFT, at=at)
    headers = node_api.signed_headers(settings.media_node_secret, body)
    before = snapshot()
    # Only on the web's internal names (NODE_API_HOSTS), never a tenant's.
    elsewhere = client.post(node_api.EVENTS_PATH, data=body,
                            headers={**headers, "Host": ticket["host_name"]})
    assert elsewhere.status_code == 404
    assert snapshot() == before
    answer = client.post(node_api.EVENTS_PATH, data=body,
                         headers={**headers, "Host": "127.0.0.1:5000"})
    assert answer.status_code == 200, answer.json
    node_api.verify_signed(settings.media_node_secret, answer.data, answer.headers)
    assert answer.json == {"type": "control_result", "ok": True, "detail": ""}
    expected = datetime.fromtimestamp(at, UTC)
    assert participant_times(app, ticket) == (expected, expected)


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "stale"])
def test_badly_signed_events_are_401_and_change_nothing(client, settings, ticket, snapshot,
                                                        case):
    body = events_body(ticket, node_api.EventKind.JOINED, at=time.time())
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "wrong secret": node_api.signed_headers("another-secret-of-16+", body),
        "stale": node_api.signed_headers(settings.media_node_secret, body,
                                         now=time.time() - 600),
    }[case]
    before = snapshot()
    answer = client.post(node_api.EVENTS_PATH, data=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json["message"]
    assert snapshot() == before


def test_a_heartbeat_sent_to_the_events_path_is_400(client, settings, snapshot):
    body = node_api.Heartbeat(node_id="n", url="ws://n.test", control_url="http://n.test",
                              started_at=time.time(), load=node_api.NodeLoad()).to_json().encode()
    before = snapshot()
    answer = client.post(node_api.EVENTS_PATH, data=body,
                         headers=node_api.signed_headers(settings.media_node_secret, body))
    assert answer.status_code == 400
    assert snapshot() == before
