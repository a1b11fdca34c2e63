"""The worker's side: fan an event out to its subscriptions, then send each
subscription's deliveries one at a time in event order.

Ordering: one worker at a time drains a subscription. It claims the
subscription with a conditional UPDATE (``draining_until`` unset or past: a
lease), atomic on PostgreSQL (a concurrent UPDATE of the row waits, then sees
the lease and matches nothing) and on SQLite (one writer). The drainer sends
the earliest undelivered delivery; a failure holds the later ones back until
its retry is due (a job is queued for then). No transaction is open during a
POST. A job that finds the lease held leaves the work to its holder, which
looks again after letting go; so that a killed holder strands nothing, one
such job per lease queues a look at the lease's end (``drain_recheck_at``).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.access import HostRole
from app.modules.events.models import Event
from app.modules.hosts.models import Host
from app.modules.mail.operations import queue_mail
from app.modules.tenants.models import Tenant
from app.modules.webhooks import delivery as http
from app.modules.webhooks import formats
from app.modules.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Subscription
from app.modules.webhooks.operations import DRAIN, queue_delivery

log = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)  # then the delivery is dead and its URL disabled
MAX_RETRY_SECONDS = 3600.0
KEEP_LOG = timedelta(days=30)
UNDELIVERED = (DeliveryState.PENDING, DeliveryState.DELIVERING)


def fan_out(event_id: int) -> int:
    """A delivery (and its drain job) per live subscription that wants the
    event and existed when it happened: its company's, and its reseller's
    reseller-wide ones. How many."""
    event = db.session.get(Event, event_id)
    if event is None:
        return 0
    subscriptions = db.session.execute(sa.select(Subscription).where(
        Subscription.reseller_id == event.reseller_id,
        sa.or_(Subscription.company_id == event.company_id,
               Subscription.company_id.is_(None)),
        Subscription.deleted_at.is_(None), Subscription.disabled_at.is_(None),
        # Only what happened since it was made (the job may run later than that).
        Subscription.created_at <= event.created_at,
    ).order_by(Subscription.id)).scalars().all()
    # A job runs at least once: a second run of the same event adds nothing.
    served = set(db.session.execute(sa.select(Delivery.subscription_id).where(
        Delivery.event_id == event.id)).scalars())
    wanted = [s for s in subscriptions if s.id not in served and
              (not s.event_types or event.type in s.event_types) and
              (s.room_id is None or event.data.get("room_id") == s.room_id)]
    for subscription in wanted:
        queue_delivery(subscription, event)
    return len(wanted)


def drain(subscription_id: int) -> None:
    """Send the subscription's due deliveries in order, while holding its lease."""
    while _claim(subscription_id):
        try:
            _send_due(subscription_id)
        finally:
            _release(subscription_id)
        if not _has_due(subscription_id):  # what came in while it held the lease
            return


def _claim(subscription_id: int) -> bool:
    now = utcnow()
    lease = now + timedelta(seconds=settings().job_lease_seconds)
    claimed = db.session.execute(
        sa.update(Subscription)
        .where(Subscription.id == subscription_id,
               sa.or_(Subscription.draining_until.is_(None),
                      Subscription.draining_until < now))
        .values(draining_until=lease).returning(Subscription.id)).scalar()
    if claimed is None:
        _queue_recheck(subscription_id, now)
    db.session.commit()
    return claimed is not None


def _queue_recheck(subscription_id: int, now: datetime) -> None:
    held_until = db.session.execute(
        sa.update(Subscription)
        .where(Subscription.id == subscription_id, Subscription.draining_until >= now,
               sa.or_(Subscription.drain_recheck_at.is_(None),
                      Subscription.drain_recheck_at < Subscription.draining_until))
        .values(drain_recheck_at=Subscription.draining_until)
        .returning(Subscription.draining_until)).scalar()
    if held_until is not None:
        enqueue(DRAIN, {"subscription_id": subscription_id},
                run_at=held_until + timedelta(seconds=1))


def _release(subscription_id: int) -> None:
    db.session.rollback()
    db.session.execute(sa.update(Subscription).where(Subscription.id == subscription_id)
                       .values(draining_until=None))
    db.session.commit()


def _next_undelivered(subscription_id: int) -> Delivery | None:
    return db.session.execute(
        sa.select(Delivery)
        .where(Delivery.subscription_id == subscription_id, Delivery.state.in_(UNDELIVERED))
        .order_by(Delivery.event_created_at, Delivery.id).limit(1)).scalar()


def _has_due(subscription_id: int) -> bool:
    subscription = db.session.get(Subscription, subscription_id)
    live = subscription is not None and not subscription.deleted_at and \
        not subscription.disabled_at
    head = _next_undelivered(subscription_id) if live else None
    due = head is not None and head.next_attempt_at <= utcnow()
    db.session.commit()
    return due


def _send_due(subscription_id: int) -> None:
    purged = False
    while True:
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None or subscription.deleted_at or subscription.disabled_at:
            return
        head = _next_undelivered(subscription_id)
        if head is None:
            return
        now = utcnow()
        if head.next_attempt_at > now:  # a retry not yet due holds back the later ones
            enqueue(DRAIN, {"subscription_id": subscription_id}, run_at=head.next_attempt_at)
            db.session.commit()
            return
        event = db.session.get(Event, head.event_id)
        assert event is not None
        head.state = DeliveryState.DELIVERING  # if the worker dies now, sent again: same key
        head.attempts += 1
        subscription.draining_until = now + timedelta(seconds=settings().job_lease_seconds)
        delivery_id = head.id
        outgoing = formats.render(event, subscription)
        if outgoing is None:  # its format sends nothing for this event
            head.state = DeliveryState.DELIVERED
            db.session.commit()
            continue
        db.session.commit()
        assert outgoing.url is not None
        outcome = http.send(outgoing.method, outgoing.url, outgoing.body, outgoing.headers,
                            settings().webhook_allow_private)
        _record(delivery_id, outcome)
        if not purged:
            _purge_old_log()
            purged = True
        db.session.commit()


def _record(delivery_id: int, outcome: http.Outcome) -> None:
    """Log the attempt; the delivery is delivered, retried later, or dead."""
    now = utcnow()
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery is not None
    subscription = delivery.subscription
    db.session.add(DeliveryAttempt(
        delivery_id=delivery.id, at=now, status_code=outcome.status_code,
        latency_ms=outcome.latency_ms, error=outcome.error, response=outcome.response))
    delivery.last_status = outcome.status_code
    if outcome.delivered:
        delivery.state = DeliveryState.DELIVERED
        subscription.consecutive_failures, subscription.first_failure_at = 0, None
        return
    subscription.consecutive_failures += 1
    subscription.first_failure_at = subscription.first_failure_at or now
    if now - delivery.created_at >= RETRY_FOR:
        delivery.state = DeliveryState.DEAD
        disable(subscription, f"A delivery failed for {RETRY_FOR} ({outcome.error})")
        return
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter: uniform in [0, base·2^attempts],
    at most an hour (so a day holds at least two dozen attempts)."""
    ceiling = min(MAX_RETRY_SECONDS, settings().job_retry_base_seconds * 2 ** attempts)
    return random.uniform(0, ceiling)


def disable(subscription: Subscription, reason: str) -> None:
    """No more deliveries to this URL; its admins are told by mail. Its
    undelivered deliveries stay pending: ``webhook/redeliver`` re-enables it."""
    subscription.disabled_at = utcnow()
    subscription.disabled_reason = reason[:500]
    log.warning("webhook %s disabled: %s", subscription.public_id, reason)
    for admin in _admins(subscription):
        queue_mail(Tenant.of(admin.company), admin.email, "webhook_disabled",
                   subscription=subscription, admin=admin)


def _admins(subscription: Subscription) -> list[Host]:
    """A company's admins (its company admins and resellers admins in it); for
    a reseller-wide subscription, the reseller's admins."""
    select = sa.select(Host).where(Host.reseller_id == subscription.reseller_id,
                                   Host.deleted_at.is_(None))
    if subscription.company_id is None:
        select = select.where(Host.role == HostRole.RESELLER_ADMIN)
    else:
        select = select.where(Host.company_id == subscription.company_id,
                              Host.role.in_((HostRole.COMPANY_ADMIN, HostRole.RESELLER_ADMIN)))
    return list(db.session.execute(select.order_by(Host.id)).scalars())


def _purge_old_log() -> None:
    """The log keeps 30 days. The worker has no cron: each drain deletes what
    aged out (an indexed range, usually empty), before writing its own."""
    cutoff = utcnow() - KEEP_LOG
    db.session.execute(sa.delete(DeliveryAttempt).where(DeliveryAttempt.at < cutoff))
    finished = sa.select(Delivery.id).where(
        Delivery.state.in_((DeliveryState.DELIVERED, DeliveryState.DEAD)),
        Delivery.created_at < cutoff)
    db.session.execute(sa.delete(DeliveryAttempt).where(
        DeliveryAttempt.delivery_id.in_(finished)))
    db.session.execute(sa.delete(Delivery).where(Delivery.id.in_(finished)))
