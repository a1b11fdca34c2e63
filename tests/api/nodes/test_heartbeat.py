"""Nodes report to the web by signed heartbeats and events."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app.core.security import join_token_keys
from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from app.protocol import node_api


def nodes(app) -> list[MediaNode]:
    with app.app_context():
        found = db.session.execute(sa.select(MediaNode)).scalars().all()
        db.session.expunge_all()
        return list(found)


def test_a_signed_heartbeat_registers_the_node_and_hands_it_the_join_token_key(
    app, beat, settings
):
    answer = beat("node-a", participants=3, cpu=0.5)
    assert answer.status_code == 200
    node_api.verify_signed(settings.media_node_secret, answer.data, answer.headers)
    ack = node_api.HeartbeatAck(**{k: v for k, v in answer.json.items() if k != "type"})
    assert ack.join_token_public_key == join_token_keys(settings.secret_key)[1]
    assert ack.interval_seconds == settings.media_node_heartbeat_seconds
    [node] = nodes(app)
    assert (node.node_id, node.url, node.participants, node.cpu) == \
        ("node-a", "ws://node-a.test:7880", 3, 0.5)

    beat("node-a", participants=5)
    [node] = nodes(app)
    assert node.participants == 5


def signed(settings, body: bytes, **changes) -> dict[str, str]:
    headers = node_api.signed_headers(settings.media_node_secret, body)
    headers.update(changes)
    return headers


@pytest.mark.parametrize("case", ["missing", "wrong secret", "stale", "altered body"])
def test_a_badly_signed_heartbeat_is_refused_and_changes_nothing(app, client, settings,
                                                                  snapshot, case):
    heartbeat = node_api.Heartbeat(node_id="node-x", url="ws://x.test", control_url="http://x.test",
                                   started_at=time.time(), load=node_api.NodeLoad())
    body = heartbeat.to_json().encode()
    headers = {
        "missing": {"Content-Type": "application/json"},
        "wrong secret": node_api.signed_headers("another-secret-of-16+", body),
        "stale": node_api.signed_headers(settings.media_node_secret, body,
                                         now=time.time() - 600),
        "altered body": signed(settings, body),
    }[case]
    if case == "altered body":
        body = body.replace(b"node-x", b"node-y")
    before = snapshot()
    answer = client.post(node_api.HEARTBEAT_PATH, data=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json["message"]
    assert snapshot() == before


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"type":"heartbeat"}',
                                  b'{"type":"node_events","node_id":"n","events":[]}'])
def test_a_malformed_heartbeat_is_400(client, settings, snapshot, body):
    before = snapshot()
    answer = client.post(node_api.HEARTBEAT_PATH, data=body, headers=signed(settings, body))
    assert answer.status_code == 400
    assert snapshot() == before


@pytest.mark.postgres_only  # SQLite has one writer: its first heartbeats cannot collide
def test_first_heartbeats_that_reach_two_webs_at_once_all_register(app, beat):
    """Two replicas record one node's first heartbeat at the same moment:
    neither finds a row to lock; the second insert breaks the unique id and
    is tried again as an update (before, it answered 500 until the next beat)."""
    import threading

    clients = [app.test_client() for _ in range(2)]
    for n in range(15):
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def first_beat(client, node_id=f"twin-{n}", barrier=barrier, answers=answers):
            barrier.wait()
            answers.append(beat(node_id, on=client).status_code)

        threads = [threading.Thread(target=first_beat, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert answers == [200, 200]
    assert len(nodes(app)) == 15
