"""Egress processes register by signed heartbeats (like media nodes); the web
places a session's outputs on the least-loaded live, non-draining one."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import ServiceUnavailable
from app.extensions import db
from app.modules.outputs.egress_nodes import is_alive, least_loaded_egress
from app.modules.outputs.models import EgressNode
from app.protocol import egress_api, node_api


def egress_nodes(app) -> list[EgressNode]:
    with app.app_context():
        found = db.session.execute(sa.select(EgressNode).order_by(EgressNode.id)).scalars().all()
        db.session.expunge_all()
        return list(found)


def test_a_signed_heartbeat_registers_the_egress_and_is_answered_signed(app, egress_beat,
                                                                         settings):
    answer = egress_beat("egress-a", sessions=2, outputs=3, cpu=0.4, max_sessions=8)
    assert answer.status_code == 200, answer.json
    node_api.verify_signed(settings.media_node_secret, answer.data, answer.headers)
    assert answer.json == {"type": "egress_heartbeat_ack",
                           "interval_seconds": settings.media_node_heartbeat_seconds,
                           "dead_after_seconds": settings.media_node_dead_after_seconds}
    [egress] = egress_nodes(app)
    assert (egress.egress_id, egress.control_url, egress.sessions, egress.outputs, egress.cpu,
            egress.max_sessions) == ("egress-a", "http://egress-a.test:7890", 2, 3, 0.4, 8)
    egress_beat("egress-a", sessions=1)
    [egress] = egress_nodes(app)
    assert egress.sessions == 1


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "stale", "altered body",
                                  "a media node's heartbeat", "not json"])
def test_a_bad_heartbeat_is_refused_and_changes_nothing(client, settings, snapshot, case):
    heartbeat = egress_api.EgressHeartbeat(
        egress_id="egress-x", control_url="http://x.test", started_at=time.time(),
        load=egress_api.EgressLoad())
    body = heartbeat.to_json().encode()
    secret = settings.media_node_secret
    headers = node_api.signed_headers(secret, body)
    status = 401
    if case == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif case == "wrong secret":
        headers = node_api.signed_headers("another-secret-of-16+", body)
    elif case == "stale":
        headers = node_api.signed_headers(secret, body, now=time.time() - 600)
    elif case == "altered body":
        body = body.replace(b"egress-x", b"egress-y")
    else:
        body = node_api.Heartbeat(node_id="n", url="ws://n.test", control_url="http://n.test",
                                  started_at=time.time(), load=node_api.NodeLoad()
                                  ).to_json().encode() if case != "not json" else b"{nope"
        headers, status = node_api.signed_headers(secret, body), 400
    before = snapshot()
    answer = client.post(egress_api.HEARTBEAT_PATH, data=body, headers=headers)
    assert answer.status_code == status, answer.json
    assert snapshot() == before


def test_an_egress_outside_the_allowed_hosts_is_refused(egress_beat, snapshot):
    before = snapshot()
    answer = egress_beat("rogue", control_url="http://203.0.113.9:7890")
    assert answer.status_code == 403
    assert snapshot() == before


def test_the_egress_api_does_not_exist_on_a_tenant_host_name(client, make_reseller,
                                                               make_company, settings):
    company = make_company(make_reseller())
    body = b"{}"
    answer = client.post(egress_api.HEARTBEAT_PATH, data=body,
                         headers={**node_api.signed_headers(settings.media_node_secret, body),
                                  "Host": company["host_name"]})
    assert answer.status_code == 404


def test_liveness_follows_the_last_heartbeat(app, ctx, egress_beat, settings):
    egress_beat("egress-a")
    [egress] = egress_nodes(app)
    dead_after = settings.media_node_dead_after_seconds
    assert is_alive(egress, now=utcnow())
    assert not is_alive(egress, now=utcnow() + timedelta(seconds=dead_after + 1))


def test_placement_takes_the_least_loaded_live_egress_that_is_not_draining(app, ctx,
                                                                            egress_beat):
    egress_beat("busy", sessions=5)
    egress_beat("idle-but-draining", sessions=0, draining=True)
    egress_beat("full", sessions=2, max_sessions=2)
    egress_beat("light", sessions=1, outputs=4)
    egress_beat("lighter", sessions=1, outputs=2)
    assert least_loaded_egress().egress_id == "lighter"
    egress_beat("lighter", sessions=9)
    assert least_loaded_egress().egress_id == "light"
    # Once their heartbeats are old, none is alive: nowhere to place.
    later = utcnow() + timedelta(hours=1)
    with pytest.raises(ServiceUnavailable):
        least_loaded_egress(now=later)


def test_no_egress_at_all_is_service_unavailable(ctx):
    with pytest.raises(ServiceUnavailable, match="No egress process"):
        least_loaded_egress()


@pytest.mark.parametrize("case", ["unsigned", "stale", "a heartbeat", "bad state", "not json"])
def test_bad_egress_events_are_refused_and_change_nothing(client, settings, snapshot,
                                                          egress_beat, case):
    egress_beat("egress-a")
    event = {"session_id": "s", "output_id": "o", "kind": "hls", "state": "live", "at": 1.0}
    body = json.dumps({"type": "egress_events", "egress_id": "egress-a",
                       "events": [event]}).encode()
    secret, status = settings.media_node_secret, 400
    headers = node_api.signed_headers(secret, body)
    if case == "unsigned":
        headers, status = {"Content-Type": "application/json"}, 401
    elif case == "stale":
        headers, status = node_api.signed_headers(secret, body, now=time.time() - 600), 401
    else:
        body = {"a heartbeat": egress_api.EgressHeartbeat(
                    egress_id="e", control_url="http://e.test", started_at=1.0,
                    load=egress_api.EgressLoad()).to_json().encode(),
                "bad state": body.replace(b'"live"', b'"exploded"'),
                "not json": b"[1, 2"}[case]
        headers = node_api.signed_headers(secret, body)
    before = snapshot()
    answer = client.post(egress_api.EVENTS_PATH, data=body, headers=headers)
    assert answer.status_code == status, answer.json
    assert snapshot() == before


def test_events_of_unknown_outputs_are_acknowledged_and_ignored(egress_events, egress_beat,
                                                               snapshot, settings):
    egress_beat("egress-a")
    before = snapshot()
    answer = egress_events("egress-a", egress_api.OutputEvent(
        session_id="s", output_id="nobody", kind=egress_api.OutputKind.HLS,
        state=egress_api.OutputState.LIVE, at=1.0))
    assert answer.status_code == 200
    node_api.verify_signed(settings.media_node_secret, answer.data, answer.headers)
    assert snapshot() == before
