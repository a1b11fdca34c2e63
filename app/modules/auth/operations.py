"""API tokens (authenticate, resolve, logout) and one-time password links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.core.db import utcnow
from app.core.identity_cache import UNCHANGED, cached_value, identity_cache
from app.core.security import hash_password, new_token, token_digest, verify_password
from app.errors import NotFound, Unauthorized
from app.extensions import db
from app.modules.auth.models import ApiToken, PasswordLink
from app.modules.hosts.access import Actor, Caller, credentials_fit_tenant
from app.modules.hosts.models import Host
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import company_url

# Writing last_used_at on every call would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def authenticate(tenant: Tenant, email: str, password: str) -> str:
    """A new auth_token for the host of ``tenant`` with these credentials."""
    host = db.session.execute(
        sa.select(Host).where(
            Host.company_id == tenant.id, Host.email == email.strip().lower(),
            Host.deleted_at.is_(None),
        )
    ).scalar()
    if not verify_password(host.password_hash if host else None, password) or host is None:
        raise Unauthorized("Wrong email or password")
    token = new_token()
    ttl = timedelta(days=current_app.config["SETTINGS"].api_token_ttl_days)
    db.session.add(ApiToken(host=host, token_hash=token_digest(token), expires_at=utcnow() + ttl))
    db.session.flush()
    return token


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


def actor_for_token(token: str, tenant: Tenant) -> Actor:
    """The actor an auth_token stands for on this tenant's host name, or 401."""
    digest = token_digest(token)
    record = cached_value("api_token", digest, lambda: _token_record(digest))
    now = utcnow()
    if record is None or record.revoked or record.expires_at <= now \
            or not record.caller_active:
        raise Unauthorized("Invalid or expired auth_token")
    if not credentials_fit_tenant(record.caller, tenant):
        raise Unauthorized("This auth_token is not valid on this host name")
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
        _touch(record.token_id, digest, now)
    return Actor(caller=record.caller, tenant=tenant)


def _token_record(digest: str) -> TokenRecord | None:
    row = db.session.execute(
        sa.select(ApiToken.id, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at,
                  Host.id, Host.company_id, Host.reseller_id, Host.role, Host.deleted_at,
                  Company.active)
        .join(Host, Host.id == ApiToken.host_id).join(Company, Company.id == Host.company_id)
        .where(ApiToken.token_hash == digest)
    ).one_or_none()
    if row is None:
        return None
    token_id, expires_at, revoked_at, last_used_at, host_id, company_id, reseller_id, role, \
        deleted_at, company_active = row
    return TokenRecord(
        token_id=token_id, expires_at=expires_at, revoked=revoked_at is not None,
        last_used_at=last_used_at,
        caller=Caller(id=host_id, company_id=company_id, reseller_id=reseller_id, role=role),
        caller_active=deleted_at is None and company_active,
    )


def _touch(token_id: int, digest: str, now: datetime) -> None:
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        .execution_options(**{UNCHANGED: True, "synchronize_session": False})
    )
    # The cached record still has the old time; the next call loads the new one.
    identity_cache().forget("api_token", digest)


def logout(token: str) -> None:
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.token_hash == token_digest(token))
        .values(revoked_at=utcnow())
    )


def revoke_host_tokens(host: Host) -> None:
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.host_id == host.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def create_password_link(host: Host) -> str:
    """A one-time link, on the host's company host name, to set a password."""
    token = new_token()
    ttl = timedelta(hours=current_app.config["SETTINGS"].password_link_ttl_hours)
    db.session.add(PasswordLink(host=host, token_hash=token_digest(token),
                                expires_at=utcnow() + ttl))
    db.session.flush()
    return company_url(host.company, f"/password/set/{token}")


def usable_password_link(tenant: Tenant, token: str) -> PasswordLink:
    link = db.session.execute(
        sa.select(PasswordLink).where(PasswordLink.token_hash == token_digest(token))
    ).scalar()
    if (
        link is None or link.used_at is not None or link.expires_at <= utcnow()
        or link.host.company_id != tenant.id or link.host.deleted_at is not None
    ):
        raise NotFound("This link has expired or was already used")
    return link


def set_password_with_link(tenant: Tenant, token: str, password: str) -> Host:
    """Set the password once; the link is spent and the host's API tokens revoked."""
    link = usable_password_link(tenant, token)
    # Conditional UPDATE: of two concurrent submissions only one spends the link.
    spent = db.session.execute(
        sa.update(PasswordLink).where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound("This link has expired or was already used")
    set_password(link.host, password)
    return link.host


def set_password(host: Host, password: str) -> None:
    host.password_hash = hash_password(password)
    revoke_host_tokens(host)
    db.session.flush()
