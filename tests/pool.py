"""`confera web` and media node processes that register with it, for tests
of the whole pool (tests/sfu/test_placement.py, tests/modules/media_nodes)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from app.config import Settings
from tests.helpers import confera, free_port, settings_env, wait_for_http, wait_until
from tests.sfu.conftest import NodeProcess, new_keys


@dataclass
class Pool:
    web: str  # the web's base URL
    nodes: dict[str, NodeProcess]

    def join(self, company: dict[str, Any], host: dict[str, Any],
             name: str) -> dict[str, Any]:
        """A join ticket for the host's room, from the web over HTTP."""
        answer = httpx.post(f"{self.web}/api/v1/rooms/{host['access_code']}/join",
                            json={"display_name": name},
                            headers={"Host": company["host_name"]}, timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def node_of(self, ticket: dict[str, Any]) -> str:
        """The id of the node a ticket sends its holder to."""
        [node_id] = [node_id for node_id, node in self.nodes.items()
                     if ticket["node_url"] == node.ws_url(ticket["session_id"])]
        return node_id


@contextmanager
def running_pool(settings: Settings, node_ids: tuple[str, ...],
                 dead_after_seconds: float, heartbeat_seconds: float = 0.3,
                 **node_env: str) -> Iterator[Pool]:
    """The web (heartbeats every ``heartbeat_seconds``) and one node per id
    (``node_env`` added to each's environment); each node gets no public key:
    it must get it from the web's heartbeat answer."""
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    env = settings_env(settings, MEDIA_NODE_HEARTBEAT_SECONDS=str(heartbeat_seconds),
                       MEDIA_NODE_DEAD_AFTER_SECONDS=str(dead_after_seconds))
    web = confera("web", "--port", str(port), env=env)
    nodes: list[NodeProcess] = []
    try:
        wait_for_http(web_url + "/enterprise_api/openapi.json", "x")
        # Started side by side: each takes seconds to import aiortc.
        with ThreadPoolExecutor(len(node_ids)) as starting:
            nodes.extend(starting.map(lambda node_id: NodeProcess(
                new_keys(), node_id, WEB_URL=web_url,
                MEDIA_NODE_SECRET=settings.media_node_secret, SFU_JOIN_TOKEN_PUBLIC_KEY="",
                **node_env), node_ids))
        wait_until(lambda: all(n.health()["ready"] for n in nodes), "nodes got the key")
        yield Pool(web_url, {n.node_id: n for n in nodes})
    finally:
        for node in nodes:
            node.stop()
        web.terminate()
        web.wait(timeout=15)
