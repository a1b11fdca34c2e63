from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model
from app.core.security import EncryptedString

# The digests a BBB checksum may be made with (Company.checksum_algorithms).
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


def new_shared_secret() -> str:
    return secrets.token_hex(20)  # 40 characters, like BBB's own


class Reseller(IdMixin, CreatedMixin, Model):
    __tablename__ = "resellers"

    name: Mapped[str] = mapped_column(sa.String(200))
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True)
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The reseller's level of the settings cascade (app.modules.settings), for
    # the companies that inherit it.
    meeting_defaults: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    mail_sender_name: Mapped[str | None] = mapped_column(sa.String(100))  # None: its name

    companies: Mapped[list[Company]] = relationship(back_populates="reseller")


class Company(IdMixin, CreatedMixin, Model):
    __tablename__ = "companies"
    __table_args__ = (sa.UniqueConstraint("reseller_id", "subdomain"),)

    reseller_id: Mapped[int] = mapped_column(sa.ForeignKey("resellers.id"), index=True)
    subdomain: Mapped[str] = mapped_column(sa.String(63))
    name: Mapped[str] = mapped_column(sa.String(200))
    custom_domain: Mapped[str | None] = mapped_column(sa.String(253), unique=True)
    openid_provider: Mapped[bool] = mapped_column(default=False)
    # Its OpenID Connect provider (app/web/openid.py): hosts sign in there when
    # openid_provider is true and these are set. The secret is shown to nobody.
    openid_issuer: Mapped[str | None] = mapped_column(sa.String(255))
    openid_client_id: Mapped[str | None] = mapped_column(sa.String(255))
    openid_client_secret: Mapped[str | None] = mapped_column(EncryptedString())
    # True: an unknown subject becomes a new HOST of the company at its first login.
    openid_provision_hosts: Mapped[bool] = mapped_column(default=False)
    embed_origins: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    branding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Defaults for the company's meeting rooms (app.modules.settings).
    meeting_defaults: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # False: the reseller's meeting defaults do not apply here (only the
    # reseller changes it).
    inherit_reseller_defaults: Mapped[bool] = mapped_column(default=True)
    is_admin_company: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # The secret integrators sign API calls with (BBB's checksum), shown again
    # on request, so encrypted, not hashed; None until first asked for.
    shared_secret: Mapped[str | None] = mapped_column(EncryptedString(),
                                                      default=new_shared_secret)
    # The checksum digests the company accepts (sha1, sha256, ...); empty: all.
    checksum_algorithms: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    reseller: Mapped[Reseller] = relationship(back_populates="companies", lazy="joined")

    @property
    def host_name(self) -> str:
        """The name this company is reached at; its custom domain wins."""
        return self.custom_domain or f"{self.subdomain}.{self.reseller.domain}"


@dataclass(frozen=True)
class ResellerRecord:
    name: str
    domain: str
    branding: dict[str, Any]
    meeting_defaults: dict[str, Any]
    mail_sender_name: str | None

    @classmethod
    def of(cls, reseller: Reseller) -> ResellerRecord:
        return cls(name=reseller.name, domain=reseller.domain, branding=dict(reseller.branding),
                   meeting_defaults=dict(reseller.meeting_defaults),
                   mail_sender_name=reseller.mail_sender_name)


@dataclass(frozen=True)
class Tenant:
    """A company as every read sees it, and a request's tenant: immutable and
    bound to no session, so each process can keep it (app/core/identity_cache.py).
    An operation that changes a company loads its row (``load_company``)."""

    id: int
    reseller_id: int
    subdomain: str
    name: str
    host_name: str
    custom_domain: str | None
    openid_provider: bool
    openid_issuer: str | None
    openid_client_id: str | None  # (the secret stays in the row, read when a login needs it)
    openid_provision_hosts: bool
    embed_origins: tuple[str, ...]
    branding: dict[str, Any]  # never changed in place: shared by the process's requests
    meeting_defaults: dict[str, Any]
    inherit_reseller_defaults: bool
    is_admin_company: bool
    created_at: datetime
    reseller: ResellerRecord

    @classmethod
    def of(cls, company: Company) -> Tenant:
        return cls(
            id=company.id, reseller_id=company.reseller_id, subdomain=company.subdomain,
            name=company.name, host_name=company.host_name, custom_domain=company.custom_domain,
            openid_provider=company.openid_provider, openid_issuer=company.openid_issuer,
            openid_client_id=company.openid_client_id,
            openid_provision_hosts=company.openid_provision_hosts,
            embed_origins=tuple(company.embed_origins),
            branding=dict(company.branding), meeting_defaults=dict(company.meeting_defaults),
            inherit_reseller_defaults=company.inherit_reseller_defaults,
            is_admin_company=company.is_admin_company, created_at=company.created_at,
            reseller=ResellerRecord.of(company.reseller),
        )
