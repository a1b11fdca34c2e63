"""A scheduled conference (a scheduled room with a subject, a time zone and
invitees) and the people invited to it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime, utcnow
from app.modules.hosts.models import Host
from app.modules.meetings.models import Room
from app.modules.tenants.models import Company


class Conference(IdMixin, CreatedMixin, Model):
    """The room (app/modules/meetings/scheduling.py) holds what a meeting
    applies (PIN, mute mode, recording, address); this holds what people are
    told (subject, agenda, the time in the organizer's zone) and who."""

    __tablename__ = "conferences"
    __table_args__ = (sa.Index("ix_conferences_host_id_start_at", "host_id", "start_at"),)

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"))
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(200))
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    time_zone: Mapped[str] = mapped_column(sa.String(64))  # IANA name, as given
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # start_at + duration, kept so that a time range is one indexed comparison.
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    duration_minutes: Mapped[int]
    auto_transcribe: Mapped[bool] = mapped_column(default=False)
    # Host ids, the organizer first (the document's "participants").
    participants: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # iCalendar SEQUENCE: every change people are told of counts one up, and
    # a reminder job made for another sequence does nothing.
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow,
                                                 onupdate=utcnow)

    company: Mapped[Company] = relationship()
    host: Mapped[Host] = relationship()
    room: Mapped[Room] = relationship()
    invitees: Mapped[list[ConferenceInvitee]] = relationship(
        back_populates="conference", order_by="ConferenceInvitee.id",
        cascade="all, delete-orphan")


class ConferenceInvitee(IdMixin, Model):
    """Someone who gets the invitation: the organizer, a participant host
    (``host_id``), or a participant email. Moderators get a moderator link."""

    __tablename__ = "conference_invitees"
    __table_args__ = (sa.UniqueConstraint("conference_id", "email"),)

    conference_id: Mapped[int] = mapped_column(sa.ForeignKey("conferences.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    moderator: Mapped[bool] = mapped_column(default=False)
    host_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hosts.id"))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164, for SMS reminders

    conference: Mapped[Conference] = relationship(back_populates="invitees")
