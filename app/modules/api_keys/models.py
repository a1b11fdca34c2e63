"""An API key of a company: only its SHA-256 is stored; the key itself is
shown once, in the answer that made it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime


class ApiKey(IdMixin, CreatedMixin, Model):
    __tablename__ = "api_keys"

    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)  # token_digest(key)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hosts.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
