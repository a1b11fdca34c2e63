"""The node's probes and metrics for an orchestrator: ``/healthz`` (the
process answers), ``/readyz`` (the web accepted a heartbeat recently: it
sends clients here), ``/metrics`` (Prometheus). The node listens on its
internal address; docs/operations.md says who should reach these."""

from __future__ import annotations

from aiohttp import web

from app.sfu.metrics import node_registry
from app.sfu.node import Node
from app.sfu.probe_routes import process_probe_routes


def probe_routes(node: Node) -> list[web.RouteDef]:
    return process_probe_routes({"node_id": node.settings.node_id}, node.not_ready_because,
                                node_registry(node))
