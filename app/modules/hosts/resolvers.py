"""The identity look-ups every request makes, kept per process: the only
functions that reach the identity cache (app/core/identity_cache.py).

Each returns an immutable record (``Tenant``, ``TokenRecord``, ``HostRecord``),
or None when there is nothing live to find; misses are never kept. Writes
never use these: they load rows (``load_company``, ``load_host``)."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.identity_cache import cached_value, identity_cache
from app.core.inputs import host_name_of
from app.extensions import db
from app.modules.access import Caller
from app.modules.hosts.models import ApiToken, Host, HostRecord, TokenRecord
from app.modules.tenants import operations as tenants
from app.modules.tenants.models import Company, Tenant


def tenant_at(host_name: str) -> Tenant | None:
    """The active company reached at ``host_name`` (a Host header, port allowed)."""
    name = host_name_of(host_name)
    if not (name.isascii() and name.isprintable()):
        return None  # no company is reached there, and the text must not reach a query
    return cached_value("company_at", name, lambda: tenants.tenant_at(name))


def token_record(digest: str) -> TokenRecord | None:
    """The auth_token whose SHA-256 is ``digest``, live or not."""
    return cached_value("api_token", digest, lambda: _token_record(digest))


def forget_token(digest: str) -> None:
    """This process's copy is stale (its bookkeeping changed, nothing a check reads)."""
    identity_cache().forget("api_token", digest)


def host_record(host_id: int) -> HostRecord | None:
    """The live host ``host_id`` of an active company."""
    return cached_value("host", str(host_id), lambda: _host_record(host_id))


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


def _host_record(host_id: int) -> HostRecord | None:
    host = db.session.get(Host, host_id)
    if host is None or host.deleted_at is not None or not host.company.active:
        return None
    return record_of(host)


def record_of(host: Host) -> HostRecord:
    """What a read shows of ``host``."""
    return HostRecord.of(host, tenants.public_url(host.company.host_name, host.meeting_path))
