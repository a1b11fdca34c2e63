"""Every request: an id (the client's ``X-Request-ID`` when it is a sane
one, else a fresh one), echoed in the answer; its tenant (the company its
host name names) on every log line written while it runs; its latency in
the metrics; and, when logs are JSON, one line saying how it went (in text,
gunicorn's access log says that)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Response, g, request

from app import logs
from app.api.ops import bp
from app.api.ops.metrics import HTTP_LATENCY, dialect_of
from app.extensions import settings
from app.modules.hosts.resolvers import tenant_at

log = logging.getLogger("confera.request")

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# No tenant to look up: probes (no database), the node API, static files.
NO_TENANT = ("/healthz", "/readyz", "/metrics", "/internal/", "/static/")


@bp.before_app_request
def start_request() -> None:
    g.started = time.perf_counter()
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
    logs.request_id.set(g.request_id)
    logs.tenant_id.set(_tenant_id())


def _tenant_id() -> int | None:
    if request.path.startswith(NO_TENANT):
        return None
    tenant = tenant_at(request.host)
    return tenant.id if tenant is not None else None


@bp.after_app_request
def finish_request(response: Response) -> Response:
    if "started" not in g:  # a request that failed before our first hook
        return response
    response.headers[REQUEST_ID_HEADER] = g.request_id
    seconds = time.perf_counter() - g.started
    dialect = dialect_of(request.path)
    HTTP_LATENCY.labels(dialect, str(response.status_code)).observe(seconds)
    if settings().chosen_log_format == "json":
        log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "dialect": dialect, "duration_ms": round(seconds * 1000, 1),
            "remote_addr": request.remote_addr})
    return response


@bp.teardown_app_request
def end_request(_error: BaseException | None) -> None:
    """What this thread logs next, outside a request, carries neither."""
    logs.request_id.set("")
    logs.tenant_id.set(None)
