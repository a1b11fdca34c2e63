"""Deliveries by real ``confera worker`` processes: one SIGKILLed mid-POST,
and two at once on PostgreSQL."""

from __future__ import annotations

import time

import pytest

from app.modules.access import HostRole
from tests.jobs.conftest import start_worker  # noqa: F401 (the fixture)
from tests.webhooks import create_webhook, emit_host_event, running_receiver


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    return {"company": company, "token": token_for(admin)}


def test_a_delivery_whose_worker_was_killed_is_made_after_the_lease_once_per_key(
        app, client, tenant, start_worker):  # noqa: F811
    with running_receiver(hold_first=True) as receiver:
        create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        event_id = emit_host_event(app, tenant["company"])
        first = start_worker(JOB_LEASE_SECONDS="3")
        assert receiver.first_seen.wait(30), "the first worker never posted"
        first.proc.kill()  # SIGKILL while the receiver holds the request open
        first.proc.wait(timeout=10)
        killed_at = time.monotonic()

        start_worker(JOB_LEASE_SECONDS="3")
        received = receiver.wait_for(1, timeout=30)
        assert receiver.delivered == {event_id: 1}
        assert [r.headers["Idempotency-Key"] for r in received] == [event_id, event_id]
        assert received[1].at - killed_at >= 1.0, "sent again before the lease ran out"


@pytest.mark.postgres_only
def test_two_workers_deliver_each_event_once_in_order(app, client, tenant, start_worker):  # noqa: F811
    with running_receiver() as receiver:
        create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        events = [emit_host_event(app, tenant["company"], n) for n in range(1, 21)]
        workers = [start_worker(JOB_LEASE_SECONDS="10") for _ in range(2)]
        for worker in workers:
            worker.wait_started()
        received = receiver.wait_for(len(events), timeout=60)
        assert [r.json["id"] for r in received] == events
        assert receiver.delivered == {event: 1 for event in events}
        assert receiver.max_in_flight == 1
