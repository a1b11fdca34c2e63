"""A subscription (where to POST which events), one delivery per event and
subscription, and every attempt at it (the delivery log, kept 30 days)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime, value_enum
from app.core.security import EncryptedString

CONFERA_FORMAT = "confera"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DEAD = "dead"


class Subscription(IdMixin, CreatedMixin, Model):
    __tablename__ = "webhook_subscriptions"

    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    reseller_id: Mapped[int] = mapped_column(sa.ForeignKey("resellers.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    event_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # empty: all
    # The worker signs with it, so it cannot be a digest; shown once, at creation.
    secret: Mapped[str] = mapped_column(EncryptedString())
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hosts.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # How its deliveries are written (formats.py): "confera", or a dialect's
    # format that the dialect registered. Only "confera" ones are Confera's
    # webhooks (webhook/list); the others are a dialect's hooks and callbacks.
    format: Mapped[str] = mapped_column(sa.String(30), default=CONFERA_FORMAT)
    # Only the events of this room (a BBB hook or callback for one meetingID).
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    # Sent as ``Authorization: Bearer`` (Elos's hook authToken), when set.
    bearer_token: Mapped[str | None] = mapped_column(EncryptedString())
    # What its format needs besides (BBB getRaw, ...).
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # One worker at a time sends a subscription's deliveries, in event order:
    # it holds this lease (dispatch.py); a killed worker's lease runs out.
    draining_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # When a job that found the lease held is queued to look again (one per lease).
    drain_recheck_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Delivery(IdMixin, CreatedMixin, Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_order", "subscription_id", "state",
                               "event_created_at"),)

    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    subscription_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    # Copied from the event: the order in which a subscription's deliveries go.
    event_created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[DeliveryState] = mapped_column(
        value_enum(DeliveryState, "webhook_delivery_state"), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_status: Mapped[int | None] = mapped_column()

    subscription: Mapped[Subscription] = relationship()
    log: Mapped[list[DeliveryAttempt]] = relationship(
        order_by="DeliveryAttempt.id", back_populates="delivery")


class DeliveryAttempt(IdMixin, Model):
    __tablename__ = "webhook_delivery_attempts"

    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    status_code: Mapped[int | None] = mapped_column()
    latency_ms: Mapped[int] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.String(500))
    response: Mapped[str | None] = mapped_column(sa.String(1024))  # its first 1 KB

    delivery: Mapped[Delivery] = relationship(back_populates="log")
