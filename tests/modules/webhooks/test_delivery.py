"""Deliveries to a real HTTP receiver on loopback, the worker run in this
process (``Worker.run_until_idle``, its clock moved past each retry)."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.events.models import Event, EventType
from app.modules.webhooks import dispatch
from app.modules.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Subscription
from tests.webhooks import (
    create_webhook,
    emit_host_event,
    running_receiver,
    signature_valid,
)

LATER = timedelta(hours=1)  # the worker's clock: every retry made so far is due


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN, email="admin@example.test")
    return {"reseller": reseller, "company": company, "admin": admin,
            "token": token_for(admin)}


@pytest.fixture
def worker(app_with, tmp_path):
    # Retries of a few milliseconds; mail to the outbox (tmp_path/outbox).
    return Worker(app_with(job_retry_base_seconds=0.005, smtp_url="",
                           instance_path=str(tmp_path)))


def run(worker: Worker) -> None:
    for _ in range(200):  # a retry comes due within milliseconds of real time
        if not worker.run_until_idle(now=utcnow() + LATER):
            return
    raise AssertionError("the worker never went idle")


def deliveries(app) -> list[Delivery]:
    with app.app_context():
        rows = db.session.execute(sa.select(Delivery).order_by(Delivery.id)).scalars().all()
        for row in rows:
            _ = row.log
        db.session.expunge_all()
        return list(rows)


def test_an_event_arrives_signed_and_three_attempts_are_logged_after_two_500s(
        app, client, tenant, worker):
    with running_receiver(statuses=[500, 500]) as receiver:
        webhook = create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        event_id = emit_host_event(app, tenant["company"])
        run(worker)

        assert len(receiver.received) == 3
        for request in receiver.received:
            assert signature_valid(webhook["secret"], request.headers["Confera-Signature"],
                                   request.body)
            assert request.headers["Idempotency-Key"] == event_id
            assert request.headers["Content-Type"] == "application/json"
        body = receiver.received[-1].json
        assert set(body) == {"id", "type", "created_at", "data"}
        assert (body["id"], body["type"]) == (event_id, "host.created")
        assert body["data"] == {"host_id": 1, "email": "host1@example.test", "role": "HOST"}
        assert not signature_valid("whsec_wrong", receiver.received[-1].headers[
            "Confera-Signature"], receiver.received[-1].body)

    [delivery] = deliveries(app)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.DELIVERED, 3, 200)
    assert [a.status_code for a in delivery.log] == [500, 500, 200]
    assert [a.error for a in delivery.log] == ["HTTP 500", "HTTP 500", None]
    assert delivery.log[-1].response == "ok" and delivery.log[0].latency_ms >= 0
    answer = client.post("/enterprise_api/webhook/deliveries",
                         headers={"Host": tenant["company"]["host_name"]},
                         json={"auth_token": tenant["token"], "webhook_id": webhook["id"]})
    assert answer.status_code == 200
    [listed] = answer.json["deliveries"]
    assert (listed["event_id"], listed["state"], listed["attempts"]) == (
        event_id, "delivered", 3)
    assert [a["status_code"] for a in listed["log"]] == [500, 500, 200]


def test_event_types_and_companies_pick_the_subscriptions(
        app, client, make_company, tenant, worker, token_for):
    reseller = tenant["reseller"]
    other = make_company(reseller)
    reseller_token = token_for(reseller["admin"])
    admin_company = reseller["admin_company"]
    with running_receiver() as mine, running_receiver() as deleted_only, \
            running_receiver() as everything, running_receiver() as others:
        create_webhook(client, tenant["company"], tenant["token"], mine.url,
                       company_id=tenant["company"]["id"])
        create_webhook(client, tenant["company"], tenant["token"], deleted_only.url,
                       company_id=tenant["company"]["id"], event_types=["host.deleted"])
        create_webhook(client, admin_company, reseller_token, everything.url,
                       reseller_wide=True)
        create_webhook(client, admin_company, reseller_token, others.url,
                       company_id=other["id"])
        created = emit_host_event(app, tenant["company"], 1)
        deleted = emit_host_event(app, tenant["company"], 2, EventType.HOST_DELETED)
        run(worker)

        assert [r.json["id"] for r in mine.received] == [created, deleted]
        assert [r.json["id"] for r in deleted_only.received] == [deleted]
        assert [r.json["id"] for r in everything.received] == [created, deleted]
        assert others.received == []


def test_a_later_event_waits_for_an_earlier_one_that_is_being_retried(
        app, client, tenant, worker):
    with running_receiver(statuses=[503, 503, 503]) as receiver:
        create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        first = emit_host_event(app, tenant["company"], 1)
        second = emit_host_event(app, tenant["company"], 2)
        run(worker)
        assert [r.json["id"] for r in receiver.received] == [first] * 4 + [second]


def test_a_name_that_now_resolves_to_a_private_address_is_refused_and_logged(
        app, app_with, client, tenant, tmp_path):
    with running_receiver() as receiver:
        url = receiver.url.replace("127.0.0.1", "localhost")
        create_webhook(client, tenant["company"], tenant["token"], url)  # allowed when made
        emit_host_event(app, tenant["company"])
        guarded = Worker(app_with(webhook_allow_private=False, job_retry_base_seconds=3600))
        guarded.run_until_idle()
        assert receiver.received == []

    [delivery] = deliveries(app)
    assert (delivery.state, delivery.attempts, delivery.last_status) == (
        DeliveryState.PENDING, 1, None)
    [attempt] = delivery.log
    assert attempt.status_code is None
    assert attempt.error is not None and attempt.error.startswith("refused:")
    assert "private" in attempt.error


def test_a_subscription_failing_for_a_day_is_disabled_and_its_admin_gets_a_mail(
        app, client, tenant, worker, tmp_path):
    with running_receiver(statuses=[500] * 100) as receiver:
        webhook = create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        event_id = emit_host_event(app, tenant["company"], 1)
        with app.app_context():  # its delivery has been failing for a day
            dispatch.fan_out(db.session.execute(sa.select(Event.id).where(
                Event.public_id == event_id)).scalar_one())
            db.session.execute(sa.update(Delivery).values(
                created_at=utcnow() - timedelta(hours=24, minutes=1)))
            db.session.commit()
        run(worker)
        assert len(receiver.received) == 1
        emit_host_event(app, tenant["company"], 2)  # a disabled URL gets no more
        run(worker)
        assert len(receiver.received) == 1

    [delivery] = deliveries(app)
    assert delivery.state is DeliveryState.DEAD
    with app.app_context():
        subscription = db.session.execute(sa.select(Subscription)).scalar_one()
        assert subscription.disabled_at is not None
        assert "failed for 1 day" in (subscription.disabled_reason or "")
    [mail_file] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(mail_file.read_bytes(), policy=email.policy.default)
    assert message["To"] == "admin@example.test"
    assert "Webhook disabled" in message["Subject"]
    assert webhook["id"] in message.get_body(preferencelist=("plain",)).get_content()
    listed = client.post("/enterprise_api/webhook/list",
                         headers={"Host": tenant["company"]["host_name"]},
                         json={"auth_token": tenant["token"]}).json["webhooks"]
    assert listed[0]["disabled_at"] is not None and listed[0]["consecutive_failures"] == 1


def test_redeliver_sends_the_event_again_and_reenables_the_webhook(
        app, client, tenant, worker):
    with running_receiver() as receiver:
        webhook = create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        event_id = emit_host_event(app, tenant["company"])
        run(worker)
        [delivery] = deliveries(app)
        with app.app_context():
            db.session.execute(sa.update(Subscription).values(disabled_at=utcnow()))
            db.session.commit()
        answer = client.post("/enterprise_api/webhook/redeliver",
                             headers={"Host": tenant["company"]["host_name"]},
                             json={"auth_token": tenant["token"],
                                   "delivery_id": delivery.public_id})
        assert answer.status_code == 200
        assert (answer.json["event_id"], answer.json["state"]) == (event_id, "pending")
        assert answer.json["id"] != delivery.public_id
        run(worker)
        assert [r.json["id"] for r in receiver.received] == [event_id, event_id]
    listed = client.post("/enterprise_api/webhook/list",
                         headers={"Host": tenant["company"]["host_name"]},
                         json={"auth_token": tenant["token"]}).json["webhooks"]
    assert listed[0]["id"] == webhook["id"] and listed[0]["disabled_at"] is None


def test_attempts_older_than_30_days_are_purged_when_new_ones_are_written(
        app, client, tenant, worker):
    with running_receiver() as receiver:
        create_webhook(client, tenant["company"], tenant["token"], receiver.url)
        emit_host_event(app, tenant["company"], 1)
        run(worker)
        with app.app_context():
            old = utcnow() - timedelta(days=31)
            db.session.execute(sa.update(DeliveryAttempt).values(at=old))
            db.session.execute(sa.update(Delivery).values(created_at=old))
            db.session.commit()
        emit_host_event(app, tenant["company"], 2)
        run(worker)
    [delivery] = deliveries(app)
    assert len(delivery.log) == 1 and delivery.log[0].at > utcnow() - timedelta(minutes=5)
