from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model


class Reseller(IdMixin, CreatedMixin, Model):
    __tablename__ = "resellers"

    name: Mapped[str] = mapped_column(sa.String(200))
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    companies: Mapped[list[Company]] = relationship(back_populates="reseller")


class Company(IdMixin, CreatedMixin, Model):
    __tablename__ = "companies"
    __table_args__ = (sa.UniqueConstraint("reseller_id", "subdomain"),)

    reseller_id: Mapped[int] = mapped_column(sa.ForeignKey("resellers.id"), index=True)
    subdomain: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(200))
    custom_domain: Mapped[str | None] = mapped_column(sa.String(253), unique=True)
    openid_provider: Mapped[bool] = mapped_column(default=False)
    embed_origins: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Defaults for the company's meeting rooms (app.modules.settings).
    meeting_defaults: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    is_admin_company: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    reseller: Mapped[Reseller] = relationship(back_populates="companies", lazy="joined")

    @property
    def host_name(self) -> str:
        """The name this company is reached at; its custom domain wins."""
        return self.custom_domain or f"{self.subdomain}.{self.reseller.domain}"
