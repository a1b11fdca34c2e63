"""Who may act on what. Every operation takes an ``Actor``: the authenticated
host and the company whose host name the request came to (the tenant).

Out of scope is 404 (another tenant's objects do not exist for you); in scope
but beyond your role is 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import Forbidden, NotFound
from app.extensions import db
from app.modules.hosts.models import Host, HostRole
from app.modules.tenants.models import Company, Tenant


@dataclass(frozen=True)
class Caller:
    """The host an auth_token stands for, as far as access is concerned."""

    id: int
    company_id: int
    reseller_id: int
    role: HostRole


@dataclass(frozen=True)
class Actor:
    caller: Caller
    tenant: Tenant

    @property
    def role(self) -> HostRole:
        return self.caller.role

    @property
    def reseller_id(self) -> int:
        return self.caller.reseller_id

    def require(self, minimum: HostRole) -> None:
        if self.role.rank < minimum.rank:
            raise Forbidden(f"This needs the {minimum.value} role")


def credentials_fit_tenant(caller: Caller, tenant: Tenant) -> bool:
    """A reseller admin may call on any of its reseller's host names; anyone
    else only on their own company's."""
    if caller.role is HostRole.RESELLER_ADMIN:
        return caller.reseller_id == tenant.reseller_id
    return caller.company_id == tenant.id


def company_in_scope(actor: Actor, company_id: int) -> Company:
    """The active company ``company_id`` if the actor's scope covers it, else 404."""
    company = db.session.get(Company, company_id)
    if company is None or not company.active or company.reseller_id != actor.reseller_id:
        raise NotFound("Company not found")
    if actor.role is not HostRole.RESELLER_ADMIN and company.id != actor.caller.company_id:
        raise NotFound("Company not found")
    return company


def host_in_scope(actor: Actor, host_id: int) -> Host:
    """The live host ``host_id`` if the actor may see it, else 404 (or 403 for a
    HOST asking about a colleague: same tenant, lesser role)."""
    host = db.session.get(Host, host_id)
    if host is None or host.deleted_at is not None:
        raise NotFound("Host not found")
    require_host_visible(actor, host_id, host.company_id)
    return host


def require_host_visible(actor: Actor, host_id: int, company_id: int) -> None:
    """Whether the actor may see the live host ``host_id`` of ``company_id``:
    404 outside its scope, 403 for a HOST asking about a colleague."""
    # The tenant is in scope: it is active, and the actor's credentials fit it.
    if company_id != actor.tenant.id:
        company_in_scope(actor, company_id)  # 404 outside the actor's companies
    if actor.role is HostRole.HOST and host_id != actor.caller.id:
        raise Forbidden("A host may only read itself")


def require_may_manage(actor: Actor, host: Host) -> None:
    """Changing a host needs COMPANY_ADMIN or more, and no lesser role than its own."""
    actor.require(HostRole.COMPANY_ADMIN)
    if host.role.rank > actor.role.rank:
        raise Forbidden(f"A {actor.role.value} cannot change a {host.role.value}")


def require_may_grant(actor: Actor, role: HostRole) -> None:
    if role.rank > actor.role.rank:
        raise Forbidden(f"A {actor.role.value} cannot grant the {role.value} role")
