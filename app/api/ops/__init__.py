"""What operators and orchestrators call on the web, on any host name:
``/healthz`` (alive), ``/readyz`` (database and storage answer), ``/metrics``
(Prometheus; app/api/ops/metrics.py says who may read it). It also stamps
every request with an id and its tenant for the logs and times it for the
metrics (request_context.py). docs/operations.md lists all of it."""

from flask import Blueprint

from app.api.json_errors import render_json_error
from app.core.error_rendering import register_error_renderer

bp = Blueprint("ops", __name__)
register_error_renderer(bp, render_json_error)

from app.api.ops import metrics, probes, request_context  # noqa: E402, F401  (routes, hooks)
