"""Hosts (the people who own meeting rooms) and their credentials: API
tokens and one-time password links; and the immutable records reads see."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime
from app.core.security import EncryptedString
from app.modules.access import Caller, HostRole
from app.modules.tenants.models import Company

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
    # The host's level of the settings cascade (app.modules.settings).
    meeting_defaults: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    # Not joined: most reads of a host need no company (meeting joins, access checks);
    # a document loads it once per company, and the session's identity map serves the rest.
    company: Mapped[Company] = relationship()

    @property
    def meeting_path(self) -> str:
        return f"/conf/call/{self.access_code}"


class ApiToken(IdMixin, CreatedMixin, Model):
    """An enterprise_api auth_token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PasswordLink(IdMixin, CreatedMixin, Model):
    """A one-time, expiring link that lets a host set a password."""

    __tablename__ = "password_links"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    host: Mapped[Host] = relationship(lazy="joined")


class SessionVia(enum.StrEnum):
    """How a host web session was opened: SSO and OpenID sessions may not
    change the password or the email (the identity provider owns them)."""

    SSO = "sso"
    PASSWORD = "password"
    OPENID = "openid"


class HostWebSession(IdMixin, CreatedMixin, Model):
    """A host's login to the pages (the portal, their own room): a cookie
    whose SHA-256 is stored, so it can be revoked (app/modules/hosts/web_sessions.py)."""

    __tablename__ = "host_web_sessions"

    host_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    via: Mapped[SessionVia] = mapped_column(
        sa.Enum(SessionVia, native_enum=False, length=10, create_constraint=True,
                name="session_via", values_callable=lambda e: [m.value for m in e])
    )
    after_call_url: Mapped[str | None] = mapped_column(sa.String(2000))
    # The synchronizer token the session's forms carry (not a credential alone:
    # it proves only that a POST came from a page of this session).
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class HostRecord:
    """A live host as every read sees it, bound to no session: what the
    identity cache keeps, and what each dialect renders. Its fields are the
    model's columns of the same names (``of`` copies them), plus the URL."""

    id: int
    company_id: int
    reseller_id: int
    name: str
    email: str
    role: HostRole
    openid_sub: str | None
    access_code: str
    moderator_pin: str | None  # None: hidden from this reader (``without_secrets``)
    login_token_public_key: str | None
    subscription_ids: tuple[int, ...]
    meeting_defaults: dict[str, Any]  # never changed in place: the cache shares it
    meeting_url: str

    @classmethod
    def of(cls, host: Host, meeting_url: str) -> HostRecord:
        values: dict[str, Any] = {"meeting_url": meeting_url}
        for f in dataclasses.fields(cls):
            if f.name not in values:
                value = getattr(host, f.name)
                values[f.name] = tuple(value) if isinstance(value, list) else \
                    dict(value) if isinstance(value, dict) else value
        return cls(**values)

    def without_secrets(self) -> HostRecord:
        """The record as someone who may not change the host reads it: no SSO
        key, no moderator PIN (either would let them act as the host)."""
        return dataclasses.replace(self, moderator_pin=None, login_token_public_key=None)


@dataclass(frozen=True)
class TokenRecord:
    """What an auth_token's row says, with its host's standing: immutable, so
    the identity cache shares it between requests as it is."""

    token_id: int
    expires_at: datetime
    revoked: bool
    last_used_at: datetime | None
    caller: Caller
    caller_active: bool  # host not deleted, company active
