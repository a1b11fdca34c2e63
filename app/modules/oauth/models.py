"""OAuth clients (client credentials of a company) and the access tokens
issued to them. Only SHA-256 digests of the secret and of each token are
stored: both are 256 random bits, so a digest cannot be reversed by
guessing, and checking one costs a hash, not an argon2 run that anyone who
can reach the token endpoint could make the web pay for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import CreatedMixin, IdMixin, Model, UtcDateTime
from app.modules.access import Caller

# What a client may be granted, one pair per enterprise_api object. An
# endpoint needs "<object>:read" for get and list, "<object>:write" for the
# rest (app/api/enterprise/endpoint.py derives it from the path).
SCOPES = (
    "company:read", "company:write", "host:read", "host:write",
    "conference:read", "conference:write", "room:read", "room:write",
    "recording:read", "recording:write", "webhook:read", "webhook:write",
)


class OAuthClient(IdMixin, CreatedMixin, Model):
    __tablename__ = "oauth_clients"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    client_id: Mapped[str] = mapped_column(sa.String(64), unique=True)  # public
    client_secret_hash: Mapped[str] = mapped_column(sa.String(64))  # SHA-256 hex
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The admin who made it: its tokens act for the company as this host, with
    # no more than this host's role (and never more than COMPANY_ADMIN).
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("hosts.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OAuthToken(IdMixin, CreatedMixin, Model):
    __tablename__ = "oauth_tokens"

    oauth_client_id: Mapped[int] = mapped_column(sa.ForeignKey("oauth_clients.id"),
                                                 index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(500))  # space-separated, as granted
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class ClientRecord:
    """A client as the API shows it (never its secret)."""

    id: int
    company_id: int
    name: str
    client_id: str
    scopes: tuple[str, ...]
    created_by_id: int
    created_at: datetime

    @classmethod
    def of(cls, client: OAuthClient) -> ClientRecord:
        return cls(id=client.id, company_id=client.company_id, name=client.name,
                   client_id=client.client_id, scopes=tuple(client.scopes),
                   created_by_id=client.created_by_id, created_at=client.created_at)


@dataclass(frozen=True)
class CreatedClient:
    client: ClientRecord
    client_secret: str  # shown once, in oauth_client/create's answer


@dataclass(frozen=True)
class Grant:
    """What a live bearer token lets its holder do: act as ``caller`` (the
    client's company, at most COMPANY_ADMIN) within ``scopes``."""

    caller: Caller
    scopes: frozenset[str]
