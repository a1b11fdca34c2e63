from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime
from app.core.security import EncryptedString
from app.modules.tenants.models import Company


class HostRole(enum.StrEnum):
    HOST = "HOST"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    RESELLER_ADMIN = "RESELLER_ADMIN"

    @property
    def rank(self) -> int:
        return list(HostRole).index(self)


_live = sa.text("deleted_at IS NULL")


class Host(IdMixin, CreatedMixin, Model):
    __tablename__ = "hosts"
    __table_args__ = (
        # Deleted hosts keep their row (meetings and recordings refer to them)
        # but free their email and access code for reuse.
        sa.Index(
            "uq_hosts_company_email_live", "company_id", "email",
            unique=True, postgresql_where=_live, sqlite_where=_live,
        ),
        sa.Index(
            "uq_hosts_reseller_access_code_live", "reseller_id", "access_code",
            unique=True, postgresql_where=_live, sqlite_where=_live,
        ),
    )

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    # Denormalised from the company: access codes are unique per reseller.
    reseller_id: Mapped[int] = mapped_column(sa.ForeignKey("resellers.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[HostRole] = mapped_column(
        sa.Enum(HostRole, native_enum=False, length=20, create_constraint=True,
                name="host_role")
    )
    openid_sub: Mapped[str | None] = mapped_column(sa.String(255))
    access_code: Mapped[str] = mapped_column(sa.String(12))
    moderator_pin: Mapped[str] = mapped_column(EncryptedString())  # shown again: encrypted
    login_token_public_key: Mapped[str] = mapped_column(EncryptedString())
    subscription_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # Not joined: most reads of a host need no company (meeting joins, access checks);
    # a document loads it once per company, and the session's identity map serves the rest.
    company: Mapped[Company] = relationship()

    @property
    def meeting_path(self) -> str:
        return f"/conf/call/{self.access_code}"
