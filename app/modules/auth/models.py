from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime
from app.modules.hosts.models import Host


class ApiToken(IdMixin, CreatedMixin, Model):
    """An enterprise_api auth_token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    host: Mapped[Host] = relationship()  # set when made; look-ups read columns only


class PasswordLink(IdMixin, CreatedMixin, Model):
    """A one-time, expiring link that lets a host set a password."""

    __tablename__ = "password_links"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    host: Mapped[Host] = relationship(lazy="joined")
