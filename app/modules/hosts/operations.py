"""Hosts: create (with welcome mail), read, list, change, delete, rotate SSO key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.identity_cache import cached_value
from app.core.security import hash_password, random_digits
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.modules.auth.operations import create_password_link, revoke_host_tokens, set_password
from app.modules.hosts.access import (
    Actor,
    company_in_scope,
    host_in_scope,
    require_host_visible,
    require_may_grant,
    require_may_manage,
)
from app.modules.hosts.models import Host, HostRole
from app.modules.mail.operations import queue_mail
from app.modules.tenants.models import Company
from app.modules.tenants.operations import Page, company_url

GENERATED_CODE_DIGITS = 7
LOGIN_KEY_BYTES = 32


@dataclass(frozen=True)
class HostRecord:
    """A live host as a read shows it, bound to no session: what the identity
    cache keeps for host/get (writes load the row itself)."""

    id: int
    company_id: int
    name: str
    email: str
    role: HostRole
    openid_sub: str | None
    access_code: str
    moderator_pin: str
    login_token_public_key: str
    subscription_ids: tuple[int, ...]
    meeting_url: str


@dataclass(frozen=True)
class CreatedHost:
    host: Host
    password_creation_link: str


def meeting_url(host: Host) -> str:
    """The host's dedicated room, usable at any time."""
    return company_url(host.company, host.meeting_path)


def create_host(actor: Actor, data: dict[str, Any]) -> CreatedHost:
    actor.require(HostRole.COMPANY_ADMIN)
    company = company_in_scope(actor, data["company_id"])
    require_may_grant(actor, data["role"])
    return add_host(company, data)


def add_host(company: Company, data: dict[str, Any]) -> CreatedHost:
    """Create a host in ``company`` (access already checked: create_host, or
    the operator's CLI for a reseller's first admin)."""
    role: HostRole = data["role"]
    _check_role_fits_company(role, company)
    host = Host(
        company=company, company_id=company.id, reseller_id=company.reseller_id,
        name=data["name"],
        email=data["email"], role=role, openid_sub=data.get("openid_sub"),
        subscription_ids=data.get("subscription_ids", []),
        access_code=data.get("access_code") or _free_access_code(company.reseller_id),
        moderator_pin=data.get("moderator_pin") or random_digits(GENERATED_CODE_DIGITS),
        login_token_public_key=secrets.token_hex(LOGIN_KEY_BYTES),
        password_hash=hash_password(data["password"]) if data.get("password") else None,
    )
    _check_unique(host)
    db.session.add(host)
    db.session.flush()
    link = create_password_link(host)
    if not data.get("no_welcome_email"):
        queue_mail(company, host.email, "welcome", host=host, password_link=link,
                   meeting_url=meeting_url(host))
    return CreatedHost(host, link)


def get_host(actor: Actor, host_id: int) -> HostRecord:
    """The live host ``host_id`` as the actor may read it (404, or 403 as in
    ``host_in_scope``), from this process's identity cache when it holds it."""
    record = cached_value("host", str(host_id), lambda: _host_record(host_id))
    if record is None:
        raise NotFound("Host not found")
    require_host_visible(actor, host_id, record.company_id)
    return record


def _host_record(host_id: int) -> HostRecord | None:
    host = db.session.get(Host, host_id)
    if host is None or host.deleted_at is not None:
        return None
    return host_record(host)


def host_record(host: Host) -> HostRecord:
    """What a read shows of ``host``."""
    return HostRecord(
        id=host.id, company_id=host.company_id, name=host.name, email=host.email,
        role=host.role, openid_sub=host.openid_sub, access_code=host.access_code,
        moderator_pin=host.moderator_pin, login_token_public_key=host.login_token_public_key,
        subscription_ids=tuple(host.subscription_ids), meeting_url=meeting_url(host),
    )


def list_hosts(actor: Actor, company_id: int | None, page: int, per_page: int) -> Page:
    actor.require(HostRole.COMPANY_ADMIN)
    company = company_in_scope(actor, company_id or actor.caller.company_id)
    query = sa.select(Host).where(Host.company_id == company.id, Host.deleted_at.is_(None))
    total = db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    items = db.session.execute(
        query.order_by(Host.id).offset((page - 1) * per_page).limit(per_page)
    ).scalars().all()
    return Page(list(items), page, per_page, total or 0)


def update_host(actor: Actor, host_id: int, changes: dict[str, Any]) -> Host:
    host = host_in_scope(actor, host_id)
    require_may_manage(actor, host)
    if "role" in changes:
        require_may_grant(actor, changes["role"])
        _check_role_fits_company(changes["role"], host.company)
        if host.id == actor.caller.id and changes["role"] is not host.role:
            raise Forbidden("Nobody changes their own role")
    password = changes.pop("password", None)
    with db.session.no_autoflush:
        for key, value in changes.items():
            setattr(host, key, value)
        _check_unique(host)
    if password:
        set_password(host, password)
    db.session.flush()
    return host


def delete_host(actor: Actor, host_id: int) -> None:
    """The host's row stays (history refers to it); its email, access code,
    room and tokens are released."""
    host = host_in_scope(actor, host_id)
    require_may_manage(actor, host)
    if host.id == actor.caller.id:
        raise Conflict("You cannot delete yourself")
    host.deleted_at = utcnow()
    revoke_host_tokens(host)
    db.session.flush()


def rotate_login_token(actor: Actor, host_id: int) -> Host:
    """A new login_token_public_key; the old one stops working for SSO."""
    host = host_in_scope(actor, host_id)
    require_may_manage(actor, host)
    host.login_token_public_key = secrets.token_hex(LOGIN_KEY_BYTES)
    db.session.flush()
    return host


def _check_role_fits_company(role: HostRole, company: Company) -> None:
    if role is HostRole.RESELLER_ADMIN and not company.is_admin_company:
        raise ValidationFailed(
            "Reseller admins belong to the reseller's admin company",
            {"role": ["RESELLER_ADMIN is only possible in the admin company."]},
        )


def _check_unique(host: Host) -> None:
    live = sa.select(Host.id).where(Host.deleted_at.is_(None))
    if host.id:
        live = live.where(Host.id != host.id)
    if db.session.execute(live.where(Host.company_id == host.company_id,
                                     Host.email == host.email)).first():
        raise Conflict("A host with this email exists", {"email": ["Already in use."]})
    if db.session.execute(live.where(Host.reseller_id == host.reseller_id,
                                     Host.access_code == host.access_code)).first():
        raise Conflict("This access code is taken", {"access_code": ["Already in use."]})


def _free_access_code(reseller_id: int) -> str:
    while True:
        code = random_digits(GENERATED_CODE_DIGITS)
        taken = db.session.execute(
            sa.select(Host.id).where(Host.reseller_id == reseller_id, Host.access_code == code,
                                     Host.deleted_at.is_(None))
        ).first()
        if not taken:
            return code
