"""The worker loop: take a due job, run its handler, record the outcome.

Taking a job is one UPDATE whose sub-select uses ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so concurrent workers never take the same job; on SQLite the
UPDATE itself holds the database's single write lock. The UPDATE sets a lease
(``locked_until``): if the worker dies, the job becomes due again when the
lease runs out and another worker runs it (at-least-once delivery).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import traceback
from datetime import datetime, timedelta
from types import FrameType

import sqlalchemy as sa
from flask import Flask

from app.config import Settings
from app.core.db import utcnow
from app.extensions import SETTINGS_KEY, db
from app.jobs.liveness import mark_alive
from app.jobs.models import Job, JobStatus
from app.jobs.registry import BatchHandler, batched, handler_for

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600


class Worker:
    def __init__(self, app: Flask, name: str | None = None):
        self.app = app
        self.settings: Settings = app.config[SETTINGS_KEY]
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Run jobs until ``stop()`` or SIGTERM/SIGINT; the current job finishes first."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        log.info("worker %s started", self.name)
        while not self._stop.is_set():
            mark_alive(self.settings)  # for `confera worker --check`
            try:
                ran = self.run_one()
            except Exception:  # a broken database connection must not kill the loop
                log.exception("worker %s: taking a job failed", self.name)
                ran = False
            if not ran:
                self._stop.wait(self.settings.job_poll_seconds)
        log.info("worker %s stopped", self.name)

    def run_one(self, now: datetime | None = None) -> int:
        """Take one job due at ``now`` (default: the clock; a test moves it
        ahead to run a job made for later) and run it, with the due jobs of
        its kind when that kind runs in batches; how many ran (0: none was due)."""
        with self.app.app_context():
            now = now or utcnow()
            claimed = self._claim(now)
            if claimed is None:
                return 0
            job_id, kind = claimed
            batch = batched(kind)
            if batch is None:
                self._execute(job_id)
                return 1
            job_ids = [job_id, *self._claim_more(now, kind, batch.size - 1)]
            self._execute_batch(job_ids, batch.handler)
            return len(job_ids)

    def run_until_idle(self, now: datetime | None = None) -> int:
        """Run due jobs until none is left; returns how many ran (tests, CLI)."""
        count = 0
        while ran := self.run_one(now):
            count += ran
        return count

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("worker %s: signal %s, stopping after the current job", self.name, signum)
        self._stop.set()

    def _claim(self, now: datetime) -> tuple[int, str] | None:
        candidate = (
            sa.select(Job.id).where(_due(now)).order_by(Job.run_at, Job.id).limit(1)
            .with_for_update(skip_locked=True)  # SQLite's dialect leaves this out
            .scalar_subquery()
        )
        claimed = db.session.execute(
            sa.update(Job).where(Job.id == candidate).values(**self._lease(now))
            .returning(Job.id, Job.kind)
        ).first()
        db.session.commit()
        return None if claimed is None else (claimed[0], claimed[1])

    def _claim_more(self, now: datetime, kind: str, most: int) -> list[int]:
        """Up to ``most`` more due jobs of ``kind``, taken as ``_claim`` takes one."""
        candidates = (
            sa.select(Job.id).where(_due(now), Job.kind == kind)
            .order_by(Job.run_at, Job.id).limit(most).with_for_update(skip_locked=True)
        )
        claimed = db.session.execute(
            sa.update(Job).where(Job.id.in_(candidates.scalar_subquery()))
            .values(**self._lease(now)).returning(Job.id)
        ).scalars().all()
        db.session.commit()
        return sorted(claimed)

    def _lease(self, now: datetime) -> dict[str, object]:
        return {"locked_until": now + timedelta(seconds=self.settings.job_lease_seconds),
                "locked_by": self.name, "attempts": Job.attempts + 1}

    def _execute(self, job_id: int) -> None:
        job = db.session.get(Job, job_id)
        assert job is not None
        handler = handler_for(job.kind)
        if handler is None:
            self._finish(job, JobStatus.FAILED, f"no handler for job kind {job.kind!r}")
            return
        if job.attempts > job.max_attempts:
            error = f"lease ran out too often; last error: {job.last_error}"
            self._finish(job, JobStatus.FAILED, error)
            return
        payload = dict(job.payload)
        db.session.commit()  # hold no transaction (on SQLite: the write lock) while it runs
        try:
            handler(payload)
            self._finish(job, JobStatus.DONE, None)
        except Exception as exc:
            db.session.rollback()
            log.warning("job %s (%s) attempt %s failed: %s", job_id, job.kind, job.attempts, exc)
            self._retry_or_fail(job_id, traceback.format_exc(limit=5))

    def _execute_batch(self, job_ids: list[int], handler: BatchHandler) -> None:
        """Run a batch handler on the payloads of ``job_ids``, oldest first; all
        done in one commit, or each retried as if it had failed alone."""
        jobs = db.session.execute(
            sa.select(Job).where(Job.id.in_(job_ids)).order_by(Job.run_at, Job.id)).scalars().all()
        runnable = []
        for job in jobs:
            if job.attempts > job.max_attempts:
                job.status, job.finished_at, job.locked_until = JobStatus.FAILED, utcnow(), None
                job.last_error = f"lease ran out too often; last error: {job.last_error}"
            else:
                runnable.append(job)
        ids, payloads = [j.id for j in runnable], [dict(j.payload) for j in runnable]
        db.session.commit()
        if not ids:
            return
        try:
            handler(payloads)
            db.session.execute(sa.update(Job).where(Job.id.in_(ids)).values(
                status=JobStatus.DONE, finished_at=utcnow(), locked_until=None, last_error=None))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.warning("jobs %s (batch) failed", ids, exc_info=True)
            error = traceback.format_exc(limit=5)
            for job_id in ids:
                self._retry_or_fail(job_id, error)

    def _finish(self, job: Job, status: JobStatus, error: str | None) -> None:
        job.status = status
        job.finished_at = utcnow()
        job.locked_until = None
        job.last_error = error
        db.session.commit()

    def _retry_or_fail(self, job_id: int, error: str) -> None:
        job = db.session.get(Job, job_id)
        assert job is not None
        if job.attempts >= job.max_attempts:
            self._finish(job, JobStatus.FAILED, error)
            return
        job.last_error = error
        job.locked_until = None
        job.run_at = utcnow() + timedelta(seconds=self.backoff_seconds(job.attempts))
        db.session.commit()

    def backoff_seconds(self, attempts: int) -> float:
        """Exponential backoff with jitter: base·2^(n-1) ± 20 %, at most an hour."""
        base = self.settings.job_retry_base_seconds * 2 ** (attempts - 1)
        return min(MAX_BACKOFF_SECONDS, base * random.uniform(0.8, 1.2))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Job.status == JobStatus.PENDING,
        Job.run_at <= now,
        sa.or_(Job.locked_until.is_(None), Job.locked_until < now),
    )
