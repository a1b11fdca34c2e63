"""The events table: the outbox every delivery (webhooks, later the dialects'
callbacks) reads from. docs/events.md."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import IdMixin, Model, UtcDateTime, utcnow


class EventType(enum.StrEnum):
    """The one vocabulary of webhooks and the meeting page's postMessage events."""

    MEETING_CREATED = "meeting.created"
    MEETING_STARTED = "meeting.started"
    MEETING_ENDED = "meeting.ended"
    PARTICIPANT_JOINED = "participant.joined"
    PARTICIPANT_LEFT = "participant.left"
    MESSAGE_SENT = "message.sent"
    RECORDING_STARTED = "recording.started"
    RECORDING_READY = "recording.ready"
    RECORDING_DELETED = "recording.deleted"
    LIVESTREAM_STARTED = "livestream.started"
    LIVESTREAM_STOPPED = "livestream.stopped"
    BROADCAST_STARTED = "broadcast.started"
    BROADCAST_STOPPED = "broadcast.stopped"
    SNAPSHOT_CREATED = "snapshot.created"
    CONFERENCE_SCHEDULED = "conference.scheduled"
    CONFERENCE_UPDATED = "conference.updated"
    CONFERENCE_CANCELLED = "conference.cancelled"
    HOST_CREATED = "host.created"
    HOST_DELETED = "host.deleted"


class Event(IdMixin, Model):
    __tablename__ = "events"
    # Listing a company's events by time is the one query (deliveries, logs).
    __table_args__ = (sa.Index("ix_events_company_id_created_at", "company_id", "created_at"),)

    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)  # evt_<random>
    # A string, not a constrained enum: adding a type must not need a migration
    # of a table that only grows; emit checks the type against EventType.
    type: Mapped[str] = mapped_column(sa.String(40))
    # Ids without foreign keys: an event outlives the host or company it names
    # (host.deleted is about a row that is gone), and must never block a delete.
    company_id: Mapped[int] = mapped_column(sa.Integer())
    reseller_id: Mapped[int] = mapped_column(sa.Integer(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
