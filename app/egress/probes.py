"""The egress's probes and metrics for an orchestrator: ``/healthz`` (the
process answers), ``/readyz`` (the web accepted a heartbeat recently, so it
sends work here, and it is not shutting down), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import time

from aiohttp import web

from app.egress.egress import Egress
from app.egress.metrics import egress_registry
from app.sfu.probe_routes import process_probe_routes


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
    return process_probe_routes({"egress_id": egress.settings.egress_id},
                                lambda: not_ready_because(egress), egress_registry(egress))
