"""How the job queue stands, for the web's /metrics (app/api/ops/metrics.py):
computed from the jobs table when scraped, so it is right whichever worker
(or none) is running, and the worker needs no HTTP server of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs.models import Job, JobStatus


@dataclass(frozen=True)
class KindStats:
    kind: str
    pending: int  # waiting, due or not
    due: int  # waiting and due now: what the workers are behind by
    oldest_due_seconds: float  # how long the oldest due job has waited; 0 when none


def queue_stats(now: datetime | None = None) -> list[KindStats]:
    """One ``KindStats`` per kind with pending jobs (one grouped query)."""
    now = now or utcnow()
    due = Job.run_at <= now
    rows = db.session.execute(
        sa.select(Job.kind, sa.func.count(),
                  sa.func.count().filter(due), sa.func.min(Job.run_at).filter(due))
        .where(Job.status == JobStatus.PENDING).group_by(Job.kind).order_by(Job.kind)
    ).all()
    return [KindStats(kind, pending, due_count,
                      max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)
            for kind, pending, due_count, oldest in rows]
