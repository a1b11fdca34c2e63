"""Egress processes (as their heartbeats describe them) and the outputs of a
running session: its live stream, recordings, broadcasts and snapshots.

Egress processes have their own table rather than a kind column on
media_nodes: their load is counted in sessions and outputs, not participants,
and a join must never be placed on one (media_nodes' queries would all need
the kind filter to stay right)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime, utcnow, value_enum
from app.core.security import EncryptedString
from app.protocol.egress_api import OutputKind, OutputState

RUNNING_STATES = (OutputState.STARTING, OutputState.LIVE, OutputState.STOPPING)
FINAL_STATES = (OutputState.STOPPED, OutputState.FAILED)
_running = sa.text("stopped_at IS NULL")


class EgressNode(IdMixin, Model):
    """An egress process (``confera egress``), as its last signed heartbeat described it."""

    __tablename__ = "egress_nodes"

    egress_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    control_url: Mapped[str] = mapped_column(sa.String(500))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    draining: Mapped[bool] = mapped_column(default=False)
    sessions: Mapped[int] = mapped_column(default=0)
    outputs: Mapped[int] = mapped_column(default=0)
    cpu: Mapped[float] = mapped_column(default=0.0)
    max_sessions: Mapped[int] = mapped_column(default=0)

    @property
    def full(self) -> bool:
        return bool(self.max_sessions) and self.sessions >= self.max_sessions


class SessionOutput(IdMixin, CreatedMixin, Model):
    """One output of a session, from the moment the web asked an egress for it
    until the egress reports it stopped or failed (or stops heart-beating).
    At most one of each kind runs per session at a time."""

    __tablename__ = "session_outputs"
    __table_args__ = (
        sa.Index("uq_session_outputs_session_kind_running", "session_id", "kind", unique=True,
                 postgresql_where=_running, sqlite_where=_running),
    )

    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)  # the egress's output_id
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_sessions.id"), index=True)
    kind: Mapped[OutputKind] = mapped_column(value_enum(OutputKind, "output_kind"))
    state: Mapped[OutputState] = mapped_column(value_enum(OutputState, "output_state"),
                                               default=OutputState.STARTING)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")  # FAILED: why
    egress_node_id: Mapped[int] = mapped_column(sa.ForeignKey("egress_nodes.id"), index=True)
    recording_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recordings.id"))
    # An RTMP ingest URL usually carries the stream key: encrypted at rest.
    rtmp_url: Mapped[str | None] = mapped_column(EncryptedString())
    storage_prefix: Mapped[str] = mapped_column(sa.String(300), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # in a final state
    # Who asked for it, when an API names a participant (the rooms API's user).
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("participants.id"))
    player_url: Mapped[str | None] = mapped_column(sa.String(2000))  # a broadcast's viewers'
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # a snapshot's file gone

    egress_node: Mapped[EgressNode] = relationship()

    @property
    def running(self) -> bool:
        return self.state in RUNNING_STATES


class SessionComposition(IdMixin, Model):
    """What a session's composed picture holds besides its people, as the
    egress protocol's specs (app/protocol/egress_api.py) in JSON: the layout
    (``SetLayout`` fields), the layers by z-index, the playbacks by play id.
    Every egress that serves the session starts with it."""

    __tablename__ = "session_compositions"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_sessions.id"), unique=True)
    layout: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    layers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    playbacks: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
