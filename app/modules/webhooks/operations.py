"""Subscriptions as the enterprise_api manages them: create (the secret shown
once), list, delete, the delivery log and redelivery. Who may: a company's
admins for their company's, a reseller's admins for any of the reseller's and
for reseller-wide ones (``company_id`` None); anything else is a 404."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.db import utcnow
from app.core.pagination import Page, paginate
from app.errors import NotFound
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.access import Actor, HostRole, administers_company
from app.modules.events.models import Event
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import load_company
from app.modules.webhooks import formats
from app.modules.webhooks.models import (
    CONFERA_FORMAT,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    Subscription,
)
from app.modules.webhooks.url_guard import check_url

DRAIN = "webhooks.drain"  # payload {"subscription_id": int}: send its due deliveries in order
NOT_FOUND = "Webhook not found"


@dataclass(frozen=True)
class SubscriptionRecord:
    id: str
    company_id: int | None
    url: str
    event_types: list[str]
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None
    consecutive_failures: int
    secret: str | None = None  # only in the answer to webhook/create


@dataclass(frozen=True)
class AttemptRecord:
    at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    response: str | None


@dataclass(frozen=True)
class DeliveryRecord:
    id: str
    event_id: str
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    created_at: datetime
    log: list[AttemptRecord]


def create_subscription(actor: Actor, data: dict[str, Any]) -> SubscriptionRecord:
    """A live subscription; its record carries the signing secret, the only time."""
    actor.require(HostRole.COMPANY_ADMIN)
    company_id = data.get("company_id")
    if company_id is None:
        actor.require(HostRole.RESELLER_ADMIN)  # reseller-wide
    else:
        load_company(actor, company_id)  # 404 outside the caller's scope
    check_url(data["url"], settings().webhook_allow_private)
    subscription = Subscription(
        public_id="wh_" + secrets.token_urlsafe(16), reseller_id=actor.reseller_id,
        company_id=company_id, url=data["url"], event_types=sorted(set(data["event_types"])),
        secret="whsec_" + secrets.token_urlsafe(32), created_by_id=actor.caller.id,
        consecutive_failures=0)
    db.session.add(subscription)
    db.session.flush()
    return record_of(subscription, with_secret=True)


def list_subscriptions(actor: Actor, company_id: int | None, page: int,
                       per_page: int) -> Page[SubscriptionRecord]:
    """A company's subscriptions (``company_id``); without it, a company
    admin's company's, a reseller admin's every one of its reseller."""
    actor.require(HostRole.COMPANY_ADMIN)
    select = sa.select(Subscription).where(Subscription.reseller_id == actor.reseller_id,
                                           Subscription.format == CONFERA_FORMAT,
                                           Subscription.deleted_at.is_(None))
    if company_id is not None:
        load_company(actor, company_id)
        select = select.where(Subscription.company_id == company_id)
    elif actor.role is not HostRole.RESELLER_ADMIN:
        select = select.where(Subscription.company_id == actor.caller.company_id)
    return paginate(select, Subscription.id, page, per_page).map(record_of)


def delete_subscription(actor: Actor, subscription_id: str) -> None:
    """No more deliveries; those not yet made are dropped (dead)."""
    _delete(load_subscription(actor, subscription_id))


def _delete(subscription: Subscription) -> None:
    subscription.deleted_at = utcnow()
    db.session.execute(sa.update(Delivery).where(
        Delivery.subscription_id == subscription.id,
        Delivery.state.in_((DeliveryState.PENDING, DeliveryState.DELIVERING)),
    ).values(state=DeliveryState.DEAD))
    db.session.flush()


def create_dialect_subscription(company: Tenant, format: str, url: str,
                                event_types: list[str], *, room_id: int | None = None,
                                secret: str | None = None, bearer_token: str | None = None,
                                options: dict[str, Any] | None = None) -> Subscription:
    """A subscription in a dialect's ``format`` (formats.py), made by an
    integrator the dialect authenticated as ``company``: a BBB hook, an Eyeson
    webhook, a room's callback (``room_id``: only that room's events).
    ``secret`` signs its deliveries where the format signs (random if None)."""
    if not formats.known(format):
        raise ValueError(f"unknown webhook format {format!r}")
    check_url(url, settings().webhook_allow_private)
    subscription = Subscription(
        public_id="wh_" + secrets.token_urlsafe(16), reseller_id=company.reseller_id,
        company_id=company.id, url=url, event_types=sorted(set(event_types)),
        secret=secret or "whsec_" + secrets.token_urlsafe(32), format=format,
        room_id=room_id, bearer_token=bearer_token, options=options or {},
        consecutive_failures=0)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def dialect_subscriptions(company: Tenant, format: str,
                          room_id: int | None = None) -> list[Subscription]:
    """The company's live subscriptions in ``format`` (only ``room_id``'s, if given)."""
    select = sa.select(Subscription).where(
        Subscription.company_id == company.id, Subscription.format == format,
        Subscription.deleted_at.is_(None)).order_by(Subscription.id)
    if room_id is not None:
        select = select.where(Subscription.room_id == room_id)
    return list(db.session.execute(select).scalars())


def delete_dialect_subscription(company: Tenant, subscription: Subscription) -> None:
    """No more deliveries for a subscription of ``company`` that a dialect made."""
    assert subscription.company_id == company.id and subscription.format != CONFERA_FORMAT
    _delete(subscription)


def last_attempt(subscription: Subscription) -> DeliveryAttempt | None:
    """The subscription's latest delivery attempt (when, and what came back)."""
    return db.session.execute(
        sa.select(DeliveryAttempt).join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
        .where(Delivery.subscription_id == subscription.id)
        .order_by(DeliveryAttempt.at.desc(), DeliveryAttempt.id.desc()).limit(1)).scalar()


def list_deliveries(actor: Actor, subscription_id: str, page: int,
                    per_page: int) -> Page[DeliveryRecord]:
    """A subscription's deliveries, newest event first, each with its attempts."""
    subscription = load_subscription(actor, subscription_id)
    select = (sa.select(Delivery).where(Delivery.subscription_id == subscription.id)
              .options(selectinload(Delivery.log))
              .order_by(Delivery.event_created_at.desc()))
    found = paginate(select, Delivery.id.desc(), page, per_page)
    events = _events({d.event_id for d in found.items})
    return found.map(lambda d: delivery_record(d, events[d.event_id]))


def redeliver(actor: Actor, delivery_id: str) -> DeliveryRecord:
    """A new delivery of the same event to the same subscription, queued now
    (it goes in order: after the subscription's earlier pending deliveries)."""
    old = db.session.execute(sa.select(Delivery).where(
        Delivery.public_id == delivery_id)).scalar()
    if old is None:
        raise NotFound("Delivery not found")
    subscription = load_subscription(actor, old.subscription.public_id)
    if subscription.disabled_at is not None:
        # An admin's redelivery is its way back: the URL gets another chance.
        subscription.disabled_at, subscription.disabled_reason = None, None
        subscription.consecutive_failures, subscription.first_failure_at = 0, None
    event = db.session.get(Event, old.event_id)
    assert event is not None
    delivery = queue_delivery(subscription, event)
    return delivery_record(delivery, event)


def queue_delivery(subscription: Subscription, event: Event, drain: bool = True) -> Delivery:
    """A pending delivery of ``event`` and (``drain``) the job that sends it
    (this transaction's flush; it runs once that commits)."""
    delivery = Delivery(public_id="whd_" + secrets.token_urlsafe(16),
                        subscription_id=subscription.id, event_id=event.id,
                        event_created_at=event.created_at, state=DeliveryState.PENDING,
                        attempts=0, next_attempt_at=utcnow())
    db.session.add(delivery)
    if drain:
        db.session.flush()
        enqueue(DRAIN, {"subscription_id": subscription.id})
    return delivery


def load_subscription(actor: Actor, subscription_id: str) -> Subscription:
    """403 below COMPANY_ADMIN; 404 for a deleted one or one out of scope
    (another company's for a company admin, another reseller's)."""
    actor.require(HostRole.COMPANY_ADMIN)
    subscription = db.session.execute(sa.select(Subscription).where(
        Subscription.public_id == subscription_id, Subscription.format == CONFERA_FORMAT,
        Subscription.deleted_at.is_(None))).scalar()
    if subscription is None or subscription.reseller_id != actor.reseller_id:
        raise NotFound(NOT_FOUND)
    if subscription.company_id is None:
        if actor.role is not HostRole.RESELLER_ADMIN:
            raise NotFound(NOT_FOUND)
    elif not administers_company(actor.caller, subscription.company_id,
                                 subscription.reseller_id):
        raise NotFound(NOT_FOUND)
    return subscription


def record_of(subscription: Subscription, with_secret: bool = False) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=subscription.public_id, company_id=subscription.company_id, url=subscription.url,
        event_types=list(subscription.event_types), created_at=subscription.created_at,
        disabled_at=subscription.disabled_at, disabled_reason=subscription.disabled_reason,
        consecutive_failures=subscription.consecutive_failures,
        secret=subscription.secret if with_secret else None)


def delivery_record(delivery: Delivery, event: Event) -> DeliveryRecord:
    done = delivery.state in (DeliveryState.DELIVERED, DeliveryState.DEAD)
    return DeliveryRecord(
        id=delivery.public_id, event_id=event.public_id, event_type=event.type,
        state=delivery.state.value, attempts=delivery.attempts,
        next_attempt_at=None if done else delivery.next_attempt_at,
        last_status=delivery.last_status, created_at=delivery.created_at,
        log=[AttemptRecord(a.at, a.status_code, a.latency_ms, a.error, a.response)
             for a in delivery.log])


def _events(ids: set[int]) -> dict[int, Event]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Event).where(Event.id.in_(ids))).scalars()
    return {event.id: event for event in rows}

