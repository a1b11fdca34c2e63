from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import IdMixin, Model, UtcDateTime


class MediaNode(IdMixin, Model):
    """A media node process, as its last signed heartbeat described it."""

    __tablename__ = "media_nodes"

    node_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    url: Mapped[str] = mapped_column(sa.String(500))  # clients' ws:// or wss:// base
    control_url: Mapped[str] = mapped_column(sa.String(500))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_heartbeat_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    draining: Mapped[bool] = mapped_column(default=False)
    sessions: Mapped[int] = mapped_column(default=0)
    participants: Mapped[int] = mapped_column(default=0)
    published_tracks: Mapped[int] = mapped_column(default=0)
    forwarded_streams: Mapped[int] = mapped_column(default=0)
    cpu: Mapped[float] = mapped_column(default=0.0)
    max_participants: Mapped[int] = mapped_column(default=0)

    @property
    def full(self) -> bool:
        return bool(self.max_participants) and self.participants >= self.max_participants
