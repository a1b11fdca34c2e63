from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.db import utcnow
from app.extensions import db, settings
from app.jobs.models import Job


def enqueue(kind: str, payload: dict[str, Any], run_at: datetime | None = None) -> Job:
    """Add a job in the caller's transaction; it runs once that commits."""
    job = Job(
        kind=kind,
        payload=payload,
        run_at=run_at or utcnow(),
        max_attempts=settings().job_max_attempts,
    )
    db.session.add(job)
    db.session.flush()
    return job
