"""The job worker against real mail delivery: retries with backoff, a worker
killed mid-job, two workers on one queue, unknown kinds. Workers run in this
process (``Worker.run_one``) or as ``confera worker`` child processes."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from email.utils import make_msgid

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs import enqueue
from app.jobs.models import Job, JobStatus
from app.jobs.worker import Worker
from app.modules.mail.operations import SEND_MAIL
from tests.helpers import free_port, wait_until


def mail_payload(n: int = 0) -> dict[str, str]:
    """A finished message, as queue_mail puts it into a mail.send job."""
    return {
        "from": "Acme Video <no-reply@acme.test>", "to": f"user{n}@example.test",
        "subject": f"Message {n}", "text": f"Hello {n}\n", "html": f"<p>Hello {n}</p>",
        "message_id": make_msgid(domain="acme.test"),
    }


def queue(app, *jobs: tuple[str, dict]) -> list[int]:
    """Enqueue and commit (kind, payload) pairs; their ids."""
    with app.app_context():
        ids = [enqueue(kind, payload).id for kind, payload in jobs]
        db.session.commit()
        return ids


def load(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def all_jobs(app) -> list[Job]:
    with app.app_context():
        jobs = db.session.execute(sa.select(Job).order_by(Job.id)).scalars().all()
        db.session.expunge_all()
        return list(jobs)


def sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.01)


def test_a_failed_delivery_is_retried_with_growing_backoff_then_given_up(app_with):
    base = 0.2
    worker_app = app_with(smtp_url=f"smtp://127.0.0.1:{free_port()}",  # nothing listens
                          job_max_attempts=3, job_retry_base_seconds=base)
    worker = Worker(worker_app)
    [job_id] = queue(worker_app, (SEND_MAIL, mail_payload()))

    for attempt in (1, 2):
        before = utcnow()
        assert worker.run_one()
        after = utcnow()
        job = load(worker_app, job_id)
        assert (job.status, job.attempts, job.locked_until) == (JobStatus.PENDING, attempt, None)
        assert "ConnectionRefusedError" in (job.last_error or "")
        # The backoff is base·2^(attempt-1) ± 20 % counted from the failure.
        expected = base * 2 ** (attempt - 1)
        assert (job.run_at - before).total_seconds() >= 0.8 * expected
        assert (job.run_at - after).total_seconds() <= 1.2 * expected
        assert not worker.run_one(), "a job waiting out its backoff is not due"
        sleep_until(job.run_at)

    assert worker.run_one()
    job = load(worker_app, job_id)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 3)
    assert "ConnectionRefusedError" in (job.last_error or "")
    assert job.finished_at is not None
    sleep_until(job.run_at)
    assert not worker.run_one(), "a failed job is never taken again"


def test_a_job_of_unknown_kind_fails_with_a_clear_error_and_the_worker_goes_on(
    app, app_with, tmp_path
):
    unknown, mail = queue(app, ("no.such.kind", {}), (SEND_MAIL, mail_payload()))
    worker_app = app_with(smtp_url="", instance_path=str(tmp_path))  # mail to the outbox

    assert Worker(worker_app).run_until_idle() == 2

    job = load(app, unknown)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert job.last_error == "no handler for job kind 'no.such.kind'"
    assert load(app, mail).status is JobStatus.DONE
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_a_job_whose_worker_was_killed_runs_again_after_its_lease(
    app, start_worker, start_smtp_server
):
    smtp = start_smtp_server(hold_first=True)
    payload = mail_payload()
    [job_id] = queue(app, (SEND_MAIL, payload))
    env = {"SMTP_URL": smtp.url, "JOB_LEASE_SECONDS": "6"}  # a worker starts in < 6 s, loaded

    first = start_worker(**env)
    assert smtp.first_data_seen.wait(15), "the first worker never sent the message"
    first.proc.kill()  # SIGKILL in the middle of the SMTP conversation
    first.proc.wait(timeout=10)
    job = load(app, job_id)
    assert (job.status, job.attempts, job.locked_by) == (JobStatus.PENDING, 1, first.name)
    lease_end = job.locked_until
    assert lease_end is not None and lease_end > utcnow()

    second = start_worker(**env)
    second.wait_started()
    assert utcnow() < lease_end, "the second worker must be up while the lease still runs"
    [mail] = smtp.wait_for(1, timeout=15)
    assert mail.message_id == payload["message_id"]
    assert mail.received_at >= lease_end, "taken again before the lease ran out"

    wait_until(lambda: load(app, job_id).status is JobStatus.DONE, "job done", 5)
    job = load(app, job_id)
    assert (job.attempts, job.locked_by, job.last_error) == (2, second.name, None)


def test_a_job_in_progress_leaves_the_database_writable(app, start_worker, start_smtp_server):
    smtp = start_smtp_server(hold_first=True)
    queue(app, (SEND_MAIL, mail_payload()))
    start_worker(SMTP_URL=smtp.url)
    assert smtp.first_data_seen.wait(15), "the worker never sent the message"

    started = time.monotonic()
    queue(app, (SEND_MAIL, mail_payload(1)))  # e.g. the web creating a host meanwhile
    assert time.monotonic() - started < 2


@pytest.mark.postgres_only
def test_two_workers_never_take_the_same_job(app, start_worker, start_smtp_server):
    smtp = start_smtp_server(delay=0.005)
    workers = [start_worker(SMTP_URL=smtp.url) for _ in range(2)]
    for worker in workers:
        worker.wait_started()
    payloads = [mail_payload(n) for n in range(100)]
    queue(app, *((SEND_MAIL, payload) for payload in payloads))

    smtp.wait_for(len(payloads), timeout=30)
    wait_until(lambda: all(j.status is JobStatus.DONE for j in all_jobs(app)), "all done", 10)
    for worker in workers:
        worker.stop()  # lets a job still in flight finish: a duplicate would show now

    sent = Counter(mail.message_id for mail in smtp.received)
    assert sent == Counter(payload["message_id"] for payload in payloads)
    jobs = all_jobs(app)
    assert {job.attempts for job in jobs} == {1}
    taken_by = Counter(job.locked_by for job in jobs)
    assert set(taken_by) == {worker.name for worker in workers}, taken_by
