"""Recordings of meeting sessions: made by an egress as fragmented-MP4 chunks
in storage, assembled into one file by the worker (tasks.py), then listed,
played and downloaded through expiring links. docs/recordings.md."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime, utcnow, value_enum
from app.modules.meetings.models import MeetingSession, Room


class RecordingState(enum.StrEnum):
    RECORDING = "recording"  # the egress is writing chunks
    PROCESSING = "processing"  # stopped; the assemble job is on it
    PUBLISHED = "published"  # the file is ready and listed
    UNPUBLISHED = "unpublished"  # ready, hidden from those who only watch (BBB publish=false)
    FAILED = "failed"  # nothing usable was written (failure_reason says why)
    DELETED = "deleted"  # its objects are gone; answers 404


# States in which a recording has a file to play or download.
READY_STATES = (RecordingState.PUBLISHED, RecordingState.UNPUBLISHED)


class Recording(IdMixin, CreatedMixin, Model):
    __tablename__ = "recordings"
    __table_args__ = (sa.Index("ix_recordings_company_id_started_at", "company_id", "started_at"),)

    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_sessions.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id"), index=True)
    # The room's host or organizer when recording began: whose portal lists it,
    # who is told it is ready.
    host_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    state: Mapped[RecordingState] = mapped_column(value_enum(RecordingState, "recording_state"),
                                                  default=RecordingState.RECORDING)
    partial: Mapped[bool] = mapped_column(default=False)  # the egress died before its stop
    audio_only: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_seconds: Mapped[float | None] = mapped_column(sa.Float())
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger())
    # <company id>/recordings/<public id>: chunks/ while recording, then the media file.
    storage_prefix: Mapped[str] = mapped_column(sa.String(300))
    media_key: Mapped[str | None] = mapped_column(sa.String(300))  # <prefix>/recording.mp4
    failure_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The room's metadata when recording began (an integrator's key/value
    # pairs, BBB meta_*), then as the integrator updates it.
    meta: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)

    session: Mapped[MeetingSession] = relationship()
    room: Mapped[Room] = relationship()

    @property
    def ready(self) -> bool:
        return self.state in READY_STATES


class TextTrack(IdMixin, CreatedMixin, Model):
    """A caption or subtitle file of a recording, kept as WebVTT in storage
    (``<company>/tracks/<recording public id>/<kind>_<lang>.vtt``); one per
    kind and language: a new upload replaces it."""

    __tablename__ = "recording_text_tracks"
    __table_args__ = (sa.UniqueConstraint("recording_id", "kind", "lang",
                                          name="uq_recording_text_tracks_kind_lang"),)

    recording_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recordings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # subtitles | captions
    lang: Mapped[str] = mapped_column(sa.String(35))  # a BCP 47 language tag
    label: Mapped[str] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(20))  # upload (live, automatic: none yet)
    storage_key: Mapped[str] = mapped_column(sa.String(300))
