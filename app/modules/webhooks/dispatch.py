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
import time
from datetime import datetime, timedelta
from itertools import takewhile

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
BATCH = 100  # deliveries marked, sent and recorded together (bench/webhooks.py)


def fan_out(event_id: int) -> int:
    """``fan_out_many`` for one event."""
    return fan_out_many([event_id])


def fan_out_many(event_ids: list[int]) -> int:
    """A delivery per live subscription that wants an event and existed when
    it happened (its company's, and its reseller's reseller-wide ones), and
    one drain job per subscription served. How many deliveries. A few
    queries for the whole batch: events come in bursts."""
    events = db.session.execute(
        sa.select(Event).where(Event.id.in_(event_ids)).order_by(Event.id)).scalars().all()
    if not events:
        return 0
    subscriptions = db.session.execute(sa.select(Subscription).where(
        Subscription.reseller_id.in_({e.reseller_id for e in events}),
        Subscription.deleted_at.is_(None), Subscription.disabled_at.is_(None),
    ).order_by(Subscription.id)).scalars().all()
    # A job runs at least once: a second run of the same event adds nothing.
    served = {(row[0], row[1]) for row in db.session.execute(
        sa.select(Delivery.event_id, Delivery.subscription_id)
        .where(Delivery.event_id.in_(event_ids)))}
    made = [queue_delivery(subscription, event, drain=False)
            for event in events for subscription in subscriptions
            if (event.id, subscription.id) not in served and _wants(subscription, event)]
    for subscription_id in sorted({delivery.subscription_id for delivery in made}):
        enqueue(DRAIN, {"subscription_id": subscription_id})
    return len(made)


def _wants(subscription: Subscription, event: Event) -> bool:
    return (subscription.reseller_id == event.reseller_id
            and subscription.company_id in (None, event.company_id)
            # Only what happened since it was made (the job may run later than that).
            and subscription.created_at <= event.created_at
            and (not subscription.event_types or event.type in subscription.event_types)
            and (subscription.room_id is None or event.data.get("room_id") == subscription.room_id))


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


def _next_undelivered(subscription_id: int, most: int = 1) -> list[Delivery]:
    return list(db.session.execute(
        sa.select(Delivery)
        .where(Delivery.subscription_id == subscription_id, Delivery.state.in_(UNDELIVERED))
        .order_by(Delivery.event_created_at, Delivery.id).limit(most)).scalars())


def _has_due(subscription_id: int) -> bool:
    subscription = db.session.get(Subscription, subscription_id)
    live = subscription is not None and not subscription.deleted_at and \
        not subscription.disabled_at
    head = _next_undelivered(subscription_id) if live else []
    due = bool(head) and head[0].next_attempt_at <= utcnow()
    db.session.commit()
    return due


def _send_due(subscription_id: int) -> None:
    """Send the subscription's due deliveries in order, a batch at a time:
    one commit marks a batch as being delivered, then its POSTs go one after
    another, stopping at the first failure (the later ones wait for its
    retry), and one commit records them all."""
    purged = False
    while True:
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None or subscription.deleted_at or subscription.disabled_at:
            return
        batch = _next_undelivered(subscription_id, BATCH)
        if not batch:
            return
        now = utcnow()
        if batch[0].next_attempt_at > now:  # a retry not yet due holds back the later ones
            enqueue(DRAIN, {"subscription_id": subscription_id}, run_at=batch[0].next_attempt_at)
            db.session.commit()
            return
        requests = _prepare(subscription, _leading_due(batch, now), now)
        db.session.commit()
        tried = _send(requests, now)
        _record_batch(tried, [delivery_id for delivery_id, _ in requests[len(tried):]])
        if not purged:
            _purge_old_log()
            purged = True
        db.session.commit()


def _leading_due(batch: list[Delivery], now: datetime) -> list[Delivery]:
    """The batch up to its first delivery not yet due (order is kept)."""
    return list(takewhile(lambda delivery: delivery.next_attempt_at <= now, batch))


def _prepare(subscription: Subscription, due: list[Delivery],
             now: datetime) -> list[tuple[int, formats.Outgoing]]:
    """Render each due delivery and mark it as being delivered (if the worker
    dies now, they are sent again: same idempotency keys); one whose format
    sends nothing for its event is delivered at once."""
    events = {e.id: e for e in db.session.execute(
        sa.select(Event).where(Event.id.in_({d.event_id for d in due}))).scalars()}
    requests = []
    for delivery in due:
        outgoing = formats.render(events[delivery.event_id], subscription)
        if outgoing is None:
            delivery.state = DeliveryState.DELIVERED
            continue
        delivery.state = DeliveryState.DELIVERING
        delivery.attempts += 1
        requests.append((delivery.id, outgoing))
    subscription.draining_until = now + timedelta(seconds=settings().job_lease_seconds)
    return requests


def _send(requests: list[tuple[int, formats.Outgoing]],
          now: datetime) -> list[tuple[int, http.Outcome]]:
    """POST in order until one fails, or until the subscription's lease could
    run out before the next POST's timeout (then the rest wait for the next
    batch, which renews the lease): never two drainers at once."""
    deadline = time.monotonic() + max(
        settings().job_lease_seconds - 2 * http.TIMEOUT_SECONDS, 0)
    tried: list[tuple[int, http.Outcome]] = []
    for delivery_id, outgoing in requests:
        if tried and time.monotonic() > deadline:
            break
        assert outgoing.url is not None
        outcome = http.send(outgoing.method, outgoing.url, outgoing.body, outgoing.headers,
                            settings().webhook_allow_private)
        tried.append((delivery_id, outcome))
        if not outcome.delivered:
            break
    return tried


def _record_batch(tried: list[tuple[int, http.Outcome]], untried: list[int]) -> None:
    """Log what was tried; what was not goes back to waiting, as it was."""
    ids = [delivery_id for delivery_id, _ in tried] + untried
    db.session.execute(sa.select(Delivery).where(Delivery.id.in_(ids))).scalars().all()
    for delivery_id, outcome in tried:
        _record(delivery_id, outcome)
    if untried:
        db.session.execute(sa.update(Delivery).where(Delivery.id.in_(untried)).values(
            state=DeliveryState.PENDING, attempts=Delivery.attempts - 1))


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
