"""The egress's probes and metrics for an orchestrator: ``/healthz`` (the
process answers), ``/readyz`` (the web accepted a heartbeat recently, so it
sends work here, and it is not shutting down), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from app.egress.egress import Egress
from app.egress.metrics import egress_registry


def not_ready_because(egress: Egress) -> str | None:
    """Why the web would send no work here now, or None."""
    if egress.draining:
        return "shutting down"
    if egress.web_answered_at is None:
        return "the web has not answered a heartbeat yet"
    silent = time.monotonic() - egress.web_answered_at
    if silent > egress.web_dead_after:
        return f"the web has answered no heartbeat for {silent:.0f} s"
    return None


def probe_routes(egress: Egress) -> list[web.RouteDef]:
    registry = egress_registry(egress)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "egress_id": egress.settings.egress_id})

    async def readyz(_request: web.Request) -> web.Response:
        reason = not_ready_because(egress)
        body = {"status": "ok" if reason is None else "unavailable",
                "egress_id": egress.settings.egress_id}
        if reason is not None:
            body["reason"] = reason
        return web.json_response(body, status=200 if reason is None else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz),
            web.get("/metrics", metrics)]
