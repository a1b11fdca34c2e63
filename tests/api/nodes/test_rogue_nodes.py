"""A rogue media node cannot take over meetings (issue S, item 1): the node
API does not exist on tenants' host names, a node outside the operator's
allow-list is never registered (so never handed a meeting or a moderator's
command), and no server starts on a secret written in the code."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from app.protocol import node_api
from tests.helpers import REPO_ROOT


def heartbeat(client, settings, url: str, host_name: str = "127.0.0.1:5000"):
    body = node_api.Heartbeat(
        node_id="rogue", url=url, control_url=url.replace("ws", "http", 1),
        started_at=time.time(), load=node_api.NodeLoad()).to_json().encode()
    return client.post(node_api.HEARTBEAT_PATH, data=body, headers={
        **node_api.signed_headers(settings.media_node_secret, body), "Host": host_name})


def registered(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(sa.select(MediaNode.node_id)).scalars())


def test_the_node_api_does_not_exist_on_a_tenants_host_name(app, client, settings,
                                                             make_reseller):
    tenant = make_reseller()["admin_company"]["host_name"]
    answer = heartbeat(client, settings, "ws://node.test:7880", host_name=tenant)
    assert answer.status_code == 404
    assert registered(app) == []
    assert heartbeat(client, settings, "ws://node.test:7880").status_code == 200


@pytest.mark.parametrize("url", [
    "ws://attacker.example:7880", "ws://203.0.113.9:7880", "ws://10.1.2.3:7880",
    "ws://node.test.attacker.example:7880",
])
def test_a_node_outside_the_allow_list_is_refused_and_gets_no_meeting(
        app, client, settings, make_reseller, make_company, make_host, url):
    answer = heartbeat(client, settings, url)
    assert answer.status_code == 403
    assert "MEDIA_NODE_ALLOWED_HOSTS" in answer.json["message"]
    assert registered(app) == []
    company = make_company(make_reseller())
    host = make_host(company)
    join = client.post(f"/api/v1/rooms/{host['access_code']}/join",
                       json={"display_name": "Victim"}, headers={"Host": company["host_name"]})
    assert join.status_code == 503  # no node: nobody's meeting goes to the rogue


def test_cidrs_and_name_patterns_allow_nodes(app_with):
    from app.modules.media_nodes.operations import node_host_allowed

    allowing = app_with(media_node_allowed_hosts=("10.0.0.0/8", "*.media.internal", "::1"))
    with allowing.app_context():
        assert node_host_allowed("10.1.2.3") and node_host_allowed("a.media.internal")
        assert node_host_allowed("::1")
        assert not node_host_allowed("11.0.0.1")
        assert not node_host_allowed("media.internal.attacker.example")
        assert not node_host_allowed("127.0.0.1")


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("CONFERA_", "SECRET_KEY", "MEDIA_NODE", "DATABASE_"))}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], env={**clean, **env},
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)


def test_servers_refuse_to_start_without_real_secrets(tmp_path):
    for command in (["web"], ["worker", "--once"]):
        result = _cli(*command, CONFERA_INSTANCE_PATH=str(tmp_path))
        assert result.returncode != 0
        assert "SECRET_KEY must be set in production" in result.stderr
    node = _cli("sfu", WEB_URL="http://127.0.0.1:1")
    assert node.returncode != 0 and "MEDIA_NODE_SECRET" in node.stderr


def test_development_serves_loopback_only(tmp_path):
    result = _cli("web", "--host", "0.0.0.0", CONFERA_ENV="development",
                  CONFERA_INSTANCE_PATH=str(tmp_path))
    assert result.returncode != 0
    assert "loopback only" in result.stderr
