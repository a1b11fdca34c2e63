"""``cluster``: the platform scaled out (tests/cluster/cluster.py), one per
test module. Two web processes share sessions, rate limits and the identity
cache's NOTIFY through PostgreSQL, and the nodes are real WebRTC peers: these
tests run in the PostgreSQL pass of make test only."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.modules.media_nodes.models import MediaNode
from tests.cluster.cluster import Cluster, running_cluster


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.media)
            item.add_marker(pytest.mark.postgres_only)


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, settings, app: Flask) -> Iterator[Cluster]:
    """The cluster on the test database; a test module's ``CLUSTER_OPTIONS``
    (heartbeat_seconds, dead_after_seconds, web settings) change it."""
    options = getattr(request.module, "CLUSTER_OPTIONS", {})
    with running_cluster(settings, **options) as running:
        yield running


@pytest.fixture(autouse=True)
def _nodes_registered(request: pytest.FixtureRequest) -> None:
    """Each test starts with every running node in the registry: the previous
    test's clean-up deleted every row; the nodes' next heartbeats bring them back."""
    if "cluster" not in request.fixturenames:
        return
    cluster: Cluster = request.getfixturevalue("cluster")
    app: Flask = request.getfixturevalue("app")
    wanted = {node.node_id for node in cluster.nodes if node.running}
    deadline = time.monotonic() + 15
    with app.app_context():
        while not wanted <= set(db.session.execute(sa.select(MediaNode.node_id)).scalars()):
            if time.monotonic() > deadline:
                raise TimeoutError("the cluster's nodes did not register")
            db.session.rollback()
            time.sleep(0.1)
        db.session.rollback()
