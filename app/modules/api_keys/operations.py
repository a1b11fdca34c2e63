"""API keys as the enterprise_api manages them (create: the key shown once,
list without secrets, revoke) and as the rooms API checks them. Who may
manage: a company's admins for their company, a reseller's admins for any of
its companies; a company out of scope, or a key of one, is a 404."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.security import token_digest
from app.errors import NotFound
from app.extensions import db
from app.modules.access import Actor, HostRole, covers_company
from app.modules.api_keys.models import ApiKey
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import load_company

KEY_PREFIX = "cfk_"  # tells a leaked key apart in logs and secret scanners
NOT_FOUND = "API key not found"


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    company_id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None
    api_key: str | None = None  # only in the answer to apikey/create


def create_api_key(actor: Actor, company_id: int, name: str) -> ApiKeyRecord:
    """A new key of the company; its record carries the key, the only time."""
    actor.require(HostRole.COMPANY_ADMIN)
    load_company(actor, company_id)  # 404 outside the caller's scope
    key, row = new_key(company_id, name, actor.caller.id)
    return _record(row, api_key=key)


def new_key(company_id: int, name: str, created_by_id: int | None = None) -> tuple[str, ApiKey]:
    """A new key of ``company_id`` (no access check: the CLI's demo data)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(public_id="key_" + secrets.token_urlsafe(12), company_id=company_id,
                 name=name, digest=token_digest(key), created_by_id=created_by_id)
    db.session.add(row)
    db.session.flush()
    return key, row


def ensure_key(company_id: int, name: str, key: str) -> None:
    """``key`` is a live key of ``company_id`` (the CLI's demo key, the same
    at every start: derived from SECRET_KEY, so never stored in the clear)."""
    exists = db.session.execute(sa.select(ApiKey.id).where(
        ApiKey.digest == token_digest(key), ApiKey.company_id == company_id,
        ApiKey.revoked_at.is_(None))).scalar()
    if exists is None:
        db.session.add(ApiKey(public_id="key_" + secrets.token_urlsafe(12),
                              company_id=company_id, name=name, digest=token_digest(key)))
        db.session.flush()


def list_api_keys(actor: Actor, company_id: int) -> list[ApiKeyRecord]:
    """The company's keys that still work, oldest first, without their secrets."""
    actor.require(HostRole.COMPANY_ADMIN)
    load_company(actor, company_id)
    rows = db.session.execute(sa.select(ApiKey).where(
        ApiKey.company_id == company_id, ApiKey.revoked_at.is_(None)).order_by(ApiKey.id))
    return [_record(row) for row in rows.scalars()]


def revoke_api_key(actor: Actor, key_id: str) -> None:
    """The key stops working at once (a revoked key is not found again)."""
    actor.require(HostRole.COMPANY_ADMIN)
    found = db.session.execute(
        sa.select(ApiKey, Company).join(Company, ApiKey.company_id == Company.id)
        .where(ApiKey.public_id == key_id, ApiKey.revoked_at.is_(None))).first()
    if found is None or not covers_company(actor.caller, found[1].id, found[1].reseller_id):
        raise NotFound(NOT_FOUND)
    found[0].revoked_at = utcnow()
    db.session.flush()


def key_fits(company: Tenant, key: str) -> bool:
    """Whether ``key`` is a live API key of ``company`` (another company's
    key fits no other company)."""
    return db.session.execute(sa.select(ApiKey.id).where(
        ApiKey.digest == token_digest(key), ApiKey.company_id == company.id,
        ApiKey.revoked_at.is_(None))).scalar() is not None


def _record(row: ApiKey, api_key: str | None = None) -> ApiKeyRecord:
    return ApiKeyRecord(id=row.public_id, company_id=row.company_id, name=row.name,
                        created_at=row.created_at, revoked_at=row.revoked_at, api_key=api_key)
