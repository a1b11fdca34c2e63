"""Hosts: create (with welcome mail), read, list, change, delete, rotate SSO key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.pagination import Page, paginate
from app.core.security import hash_password, random_digits
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db
from app.jobs import enqueue
from app.modules.access import (
    Actor,
    HostRole,
    covers_company,
    may_manage,
    require_may_grant,
    require_may_manage,
    require_may_see_host,
)
from app.modules.events.models import EventType
from app.modules.events.operations import emit
from app.modules.hosts import resolvers
from app.modules.hosts.credentials import create_password_link, revoke_host_tokens, set_password
from app.modules.hosts.models import Host, HostRecord
from app.modules.mail.operations import queue_mail
from app.modules.settings.operations import check_host_defaults
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import company_url, load_company

# Access codes and moderator PINs made here: 9 * 10^9 of them, too many to
# walk through at the meeting pages' RATELIMIT_NOT_FOUND.
GENERATED_CODE_DIGITS = 10
LOGIN_KEY_BYTES = 32
NO_ROOM = "No meeting room has this address"
HOST_DELETED = "hosts.deleted"  # job kind: payload {"host_id"}
# What add_host sets itself; every other key of its data is a column of the same name.
_MADE_HERE = frozenset({"company_id", "password", "no_welcome_email", "access_code",
                        "moderator_pin"})
# What a host may change of itself; the rest needs someone who may manage it.
OWN_FIELDS = frozenset({"meeting_defaults"})


@dataclass(frozen=True)
class CreatedHost:
    host: HostRecord
    password_creation_link: str | None  # None: nobody needed one


def create_host(actor: Actor, data: dict[str, Any]) -> CreatedHost:
    actor.require(HostRole.COMPANY_ADMIN)
    company = Tenant.of(load_company(actor, data["company_id"]))
    require_may_grant(actor, data["role"])
    return add_host(company, data)


def add_host(tenant: Tenant, data: dict[str, Any]) -> CreatedHost:
    """Create a host in ``tenant`` (access already checked: create_host, or
    the operator's CLI for a reseller's first admin). ``data`` holds the
    host's columns by name, and ``password`` and ``no_welcome_email``."""
    _check_role_fits_company(data["role"], tenant)
    host = Host(
        company_id=tenant.id, reseller_id=tenant.reseller_id,
        access_code=data.get("access_code") or _free_access_code(tenant.reseller_id),
        moderator_pin=data.get("moderator_pin") or random_digits(GENERATED_CODE_DIGITS),
        login_token_public_key=secrets.token_hex(LOGIN_KEY_BYTES),
        password_hash=hash_password(data["password"]) if data.get("password") else None,
        **{key: value for key, value in data.items() if key not in _MADE_HERE},
    )
    _check_unique(host)
    db.session.add(host)
    db.session.flush()
    # A link only for someone who will use it: the welcome mail, or the
    # caller of a host that has no password yet.
    needs_link = not (data.get("password") and data.get("no_welcome_email"))
    link = create_password_link(tenant, host) if needs_link else None
    url = company_url(tenant, host.meeting_path)
    if not data.get("no_welcome_email"):
        queue_mail(tenant, host.email, "welcome", host=host, password_link=link,
                   meeting_url=url)
    emit(tenant.id, tenant.reseller_id, EventType.HOST_CREATED, _host_event(host))
    return CreatedHost(HostRecord.of(host, url), link)


def get_host(actor: Actor, host_id: int) -> HostRecord:
    """The live host ``host_id`` as the actor may read it (404, or 403 as in
    ``load_host``), from this process's identity cache when it holds it."""
    record = resolvers.host_record(host_id)
    if record is None or not covers_company(actor.caller, record.company_id,
                                            record.reseller_id):
        raise NotFound("Host not found")
    require_may_see_host(actor, host_id)
    return _as_seen_by(actor, record)


def _as_seen_by(actor: Actor, record: HostRecord) -> HostRecord:
    """Secrets only for those who may change them (access.may_manage)."""
    return record if may_manage(actor, record.role) else record.without_secrets()


def load_host(actor: Actor, host_id: int) -> Host:
    """The row of the live host ``host_id``, to change it, if the actor may see
    it: 404 outside its scope (exactly as for a missing host), 403 for a HOST
    asking about a colleague (same tenant, lesser role)."""
    host = db.session.get(Host, host_id)
    if host is None or host.deleted_at is not None or not host.company.active or \
            not covers_company(actor.caller, host.company_id, host.reseller_id):
        raise NotFound("Host not found")
    require_may_see_host(actor, host_id)
    return host


def list_hosts(actor: Actor, company_id: int | None, page: int,
               per_page: int) -> Page[HostRecord]:
    actor.require(HostRole.COMPANY_ADMIN)
    company = load_company(actor, company_id or actor.caller.company_id)
    query = sa.select(Host).where(Host.company_id == company.id, Host.deleted_at.is_(None))
    return paginate(query, Host.id, page, per_page).map(
        lambda host: _as_seen_by(actor, resolvers.record_of(host)))


def update_host(actor: Actor, host_id: int, changes: dict[str, Any]) -> HostRecord:
    host = load_host(actor, host_id)
    if host.id != actor.caller.id or set(changes) - OWN_FIELDS:
        require_may_manage(actor, host.role)
    if "meeting_defaults" in changes:
        check_host_defaults(Tenant.of(host.company), changes["meeting_defaults"])
    if "role" in changes:
        require_may_grant(actor, changes["role"])
        _check_role_fits_company(changes["role"], Tenant.of(host.company))
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
    # A host changing its own defaults is no manager: no secrets (access.may_manage).
    return _as_seen_by(actor, resolvers.record_of(host))


def delete_host(actor: Actor, host_id: int) -> None:
    """The host's row stays (history refers to it); its email, access code,
    room and tokens are released."""
    host = load_host(actor, host_id)
    require_may_manage(actor, host.role)
    if host.id == actor.caller.id:
        raise Conflict("You cannot delete yourself")
    host.deleted_at = utcnow()
    revoke_host_tokens(host)
    # Its running meeting ends too (app/modules/meetings/tasks.py), in a job:
    # the media node may be slow or away, and the deletion must not wait.
    enqueue(HOST_DELETED, {"host_id": host.id})
    emit(host.company_id, host.reseller_id, EventType.HOST_DELETED, _host_event(host))
    db.session.flush()


def _host_event(host: Host) -> dict[str, Any]:
    return {"host_id": host.id, "email": host.email, "role": str(host.role)}


def rotate_login_token(actor: Actor, host_id: int) -> HostRecord:
    """A new login_token_public_key; the old one stops working for SSO."""
    host = load_host(actor, host_id)
    require_may_manage(actor, host.role)
    host.login_token_public_key = secrets.token_hex(LOGIN_KEY_BYTES)
    db.session.flush()
    return resolvers.record_of(host)


def _check_role_fits_company(role: HostRole, tenant: Tenant) -> None:
    if role is HostRole.RESELLER_ADMIN and not tenant.is_admin_company:
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
                                     Host.access_code == host.access_code)).first() or \
            _scheduled_room_has_code(host.reseller_id, host.access_code):
        # Codes are unique per reseller, so the clash may be with another
        # company's host: one answer for every clash, that neither says whose
        # nor that the code is taken (the caller can act on it all the same).
        raise Conflict("Choose another access code",
                       {"access_code": ["Choose another access code."]})


# A scheduled room's own access code (app/modules/meetings/scheduling.py)
# shares the namespace of hosts' codes. Rooms sit above hosts in the domain,
# so this one check reads their table by name rather than importing them.
_rooms = sa.table("rooms", sa.column("company_id"), sa.column("access_code"))


def _scheduled_room_has_code(reseller_id: int, code: str) -> bool:
    return db.session.execute(
        sa.select(_rooms.c.access_code)
        .join(Company, Company.id == _rooms.c.company_id)
        .where(Company.reseller_id == reseller_id, _rooms.c.access_code == code)
    ).first() is not None


def _free_access_code(reseller_id: int) -> str:
    while True:
        code = random_digits(GENERATED_CODE_DIGITS)
        taken = db.session.execute(
            sa.select(Host.id).where(Host.reseller_id == reseller_id, Host.access_code == code,
                                     Host.deleted_at.is_(None))
        ).first()
        if not taken and not _scheduled_room_has_code(reseller_id, code):
            return code


def first_host_with_role(tenant: Tenant, role: HostRole) -> HostRecord | None:
    """The oldest live host of ``tenant`` with ``role`` (the operator's CLI)."""
    host = db.session.execute(
        sa.select(Host).where(Host.company_id == tenant.id, Host.role == role,
                              Host.deleted_at.is_(None)).order_by(Host.id)
    ).scalars().first()
    return resolvers.record_of(host) if host is not None else None
