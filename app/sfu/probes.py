"""The node's probes and metrics for an orchestrator: ``/healthz`` (the
process answers), ``/readyz`` (the web accepted a heartbeat recently: it
sends clients here), ``/metrics`` (Prometheus). The node listens on its
internal address; docs/operations.md says who should reach these."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.sfu.metrics import node_registry
from app.sfu.node import Node


def probe_routes(node: Node) -> list[web.RouteDef]:
    registry = node_registry(node)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "node_id": node.settings.node_id})

    async def readyz(_request: web.Request) -> web.Response:
        reason = node.not_ready_because()
        body = {"status": "ok" if reason is None else "unavailable",
                "node_id": node.settings.node_id}
        if reason is not None:
            body["reason"] = reason
        return web.json_response(body, status=200 if reason is None else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz),
            web.get("/metrics", metrics)]
