"""The node registry: which nodes are alive, in what order they take new
sessions, and where a session stays. Time is passed in, not slept through."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import NoResultFound

from app.core.db import utcnow
from app.errors import ServiceUnavailable
from app.extensions import db
from app.modules.hosts.models import Host
from app.modules.media_nodes.models import MediaNode
from app.modules.media_nodes.operations import (
    is_live,
    least_loaded_node,
    live_nodes,
    record_heartbeat,
)
from app.modules.meetings.operations import personal_room, place_session, running_session
from app.modules.tenants.models import Company
from app.protocol.node_api import Heartbeat, NodeLoad


def heartbeat(node_id: str, draining: bool = False, leaving: bool = False,
              **load: Any) -> MediaNode:
    return record_heartbeat(Heartbeat(
        node_id=node_id, url=f"ws://{node_id}.test:7880/", control_url=f"http://{node_id}.test",
        started_at=time.time(), load=NodeLoad(**load), draining=draining, leaving=leaving))


def test_a_heartbeat_updates_its_node_rather_than_adding_one(ctx):
    heartbeat("a", participants=1)
    node = heartbeat("a", participants=7, cpu=0.25, draining=True)
    assert db.session.query(MediaNode).count() == 1
    assert (node.participants, node.cpu, node.draining) == (7, 0.25, True)
    assert node.url == "ws://a.test:7880"  # one form, so node_url is built the same way


def test_a_node_is_dead_once_its_last_heartbeat_is_older_than_dead_after(ctx, settings):
    node = heartbeat("a")
    dead_after = timedelta(seconds=settings.media_node_dead_after_seconds)
    just_alive = node.last_heartbeat_at + dead_after - timedelta(seconds=0.1)
    just_dead = node.last_heartbeat_at + dead_after + timedelta(seconds=0.1)
    assert is_live(node, just_alive) and live_nodes(just_alive) == [node]
    assert not is_live(node, just_dead) and live_nodes(just_dead) == []


def test_new_sessions_go_by_participants_then_forwarded_streams_then_cpu(ctx):
    heartbeat("many-streams", participants=2, forwarded_streams=10)
    heartbeat("busy-cpu", participants=2, forwarded_streams=3, cpu=0.9)
    heartbeat("idle-cpu", participants=2, forwarded_streams=3, cpu=0.1)
    heartbeat("draining", draining=True)
    heartbeat("full", participants=5, max_participants=5)
    heartbeat("crowded", participants=9)
    assert [n.node_id for n in live_nodes()] == \
        ["idle-cpu", "busy-cpu", "many-streams", "crowded"]
    assert least_loaded_node().node_id == "idle-cpu"


def test_no_live_node_is_service_unavailable(ctx):
    heartbeat("draining", draining=True)
    heartbeat("full", participants=1, max_participants=1)
    with pytest.raises(ServiceUnavailable) as raised:
        least_loaded_node()
    assert raised.value.status == 503


@pytest.fixture
def tenants(ctx, make_reseller, make_company, make_host) -> dict[str, Any]:
    """A company with a running session, and another company. The factories
    commit first: on SQLite this test's session then holds the only write lock."""
    company_info, other_info = make_company(make_reseller()), make_company(make_reseller())
    host_info = make_host(company_info)
    company = db.session.get(Company, company_info["id"])
    host = db.session.get(Host, host_info["id"])
    assert company is not None and host is not None
    return {"company": company, "other": db.session.get(Company, other_info["id"]),
            "session": running_session(company, personal_room(company, host))}


def test_a_session_stays_on_its_node_while_that_node_lives(tenants):
    company, meeting = tenants["company"], tenants["session"]
    heartbeat("first")
    assert place_session(company, meeting).node_id == "first"
    heartbeat("first", participants=50)
    heartbeat("second")
    assert place_session(company, meeting).node_id == "first"  # its people are there


@pytest.mark.parametrize(("how", "expected"), [
    ("draining", "first"), ("full", "first"), ("leaving", "second")])
def test_a_session_stays_on_a_draining_or_full_node_and_moves_off_a_leaving_one(
        tenants, how, expected):
    """Draining: its running sessions stay until they end, nothing new goes
    there. Full: the session stays (the node refuses the extra person).
    Leaving (closing every call): its sessions move on the next join."""
    company, meeting = tenants["company"], tenants["session"]
    heartbeat("first")
    place_session(company, meeting)
    heartbeat("first", draining=how == "draining", leaving=how == "leaving",
              **({"participants": 3, "max_participants": 3} if how == "full" else {}))
    heartbeat("second", participants=40)
    assert place_session(company, meeting).node_id == expected


def test_a_session_of_another_tenant_is_not_placed(tenants):
    meeting = tenants["session"]
    heartbeat("first")
    with pytest.raises(NoResultFound):  # the session is filtered out by its tenant
        place_session(tenants["other"], meeting)
    assert meeting.media_node_id is None


def test_dead_after_is_measured_from_the_webs_clock(ctx):
    """A node's own clock (started_at) never decides whether it is alive."""
    node = record_heartbeat(Heartbeat(
        node_id="skewed", url="ws://s.test", control_url="http://s.test",
        started_at=time.time() - 86400 * 365, load=NodeLoad()))
    assert abs((node.last_heartbeat_at - utcnow()).total_seconds()) < 5
    assert is_live(node)
