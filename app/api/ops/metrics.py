"""The web's Prometheus metrics: request latency per dialect and status
(observed by request_context.py), and the job queue computed from the jobs
table at each scrape.

Under gunicorn every worker process writes its samples into
``PROMETHEUS_MULTIPROC_DIR`` (app/gunicorn_conf.py sets it) and a scrape
sums them, whichever worker answers it.

Who may read /metrics: with METRICS_TOKEN set, whoever sends it as a bearer
token; without, a scraper on loopback or a private network (Prometheus in
the cluster, scraping the pod) that came through no proxy and does not
name a company's host name. Anyone else finds nothing there (404): the
ingress adds X-Forwarded-For, so the public never reads it by default.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable

from flask import Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from app.api.ops import bp
from app.api.prefixes import BBB_API_PREFIX, ROOMS_API_PREFIX
from app.errors import NotFound
from app.extensions import settings
from app.jobs.stats import queue_stats
from app.modules.hosts.resolvers import tenant_at

HTTP_LATENCY = Histogram(
    "confera_http_request_duration_seconds",
    "Time from a request's arrival in the app to its answer, by dialect and status.",
    ["dialect", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# Longest first: the first prefix a path starts with names its dialect.
DIALECTS = (
    ("/enterprise_api", "enterprise_api"), (BBB_API_PREFIX.rstrip("/"), "bbb"),
    (ROOMS_API_PREFIX, "rooms"), ("/api/v1", "meeting_api"), ("/oauth", "oauth"),
    ("/internal/", "internal"), ("/healthz", "probes"), ("/readyz", "probes"),
    ("/metrics", "probes"), ("/static/", "static"), ("/files/", "files"),
)
FORWARDED_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def dialect_of(path: str) -> str:
    """The API dialect a path belongs to; ``pages`` for everything else."""
    return next((name for prefix, name in DIALECTS if path.startswith(prefix)), "pages")


@bp.get("/metrics")
def metrics() -> Response:
    if not _may_scrape():
        raise NotFound("Not found")
    registry = CollectorRegistry()
    if settings().metrics_dir:
        multiprocess.MultiProcessCollector(registry, path=settings().metrics_dir)
    else:  # one process (tests, a bare Flask server): its own samples
        registry.register(_ThisProcess())
    registry.register(JobQueue())
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _may_scrape() -> bool:
    token = settings().metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if any(name in request.headers for name in FORWARDED_HEADERS):
        return False
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return (peer.is_loopback or peer.is_private) and tenant_at(request.host) is None


class _ThisProcess(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        return REGISTRY.collect()  # type: ignore[return-value]


class JobQueue(Collector):
    """The worker's backlog, from the jobs table, per job kind."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        pending = GaugeMetricFamily("confera_jobs_pending", "Jobs waiting, due or not.",
                                    labels=["kind"])
        due = GaugeMetricFamily("confera_jobs_due",
                                "Jobs due now, waiting or running.", labels=["kind"])
        oldest = GaugeMetricFamily("confera_jobs_oldest_due_age_seconds",
                                   "How long the oldest due job has been due.", labels=["kind"])
        for stats in queue_stats():
            pending.add_metric([stats.kind], stats.pending)
            due.add_metric([stats.kind], stats.due)
            oldest.add_metric([stats.kind], stats.oldest_due_seconds)
        return [pending, due, oldest]
