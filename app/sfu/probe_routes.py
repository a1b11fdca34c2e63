"""``/healthz``, ``/readyz`` and ``/metrics`` for a media process (a node, an
egress): the same three routes, told who the process is, why it is not ready
(None: ready) and what its metrics are."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def process_probe_routes(identity: dict[str, str], not_ready_because: Callable[[], str | None],
                         registry: CollectorRegistry) -> list[web.RouteDef]:
    """The three routes; ``identity`` (e.g. ``{"node_id": ...}``) goes in each answer."""

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", **identity})

    async def readyz(_request: web.Request) -> web.Response:
        reason = not_ready_because()
        body = {"status": "ok" if reason is None else "unavailable", **identity}
        if reason is not None:
            body["reason"] = reason
        return web.json_response(body, status=200 if reason is None else 503)

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz),
            web.get("/metrics", metrics)]
