"""Who may act on what: the bottom of the domain, importing no domain package.

Every operation takes an ``Actor``: the authenticated host (``Caller``) and the
company whose host name the request came to (the tenant). The checks here
work on ids and roles only, so every package can use them; loading the rows
they apply to is the caller's business.

Out of scope is 404 (another tenant's objects do not exist for you, and a
foreign object answers exactly like a missing one); in scope but beyond your
role is 403.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from app.errors import Forbidden


class HostRole(enum.StrEnum):
    HOST = "HOST"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    RESELLER_ADMIN = "RESELLER_ADMIN"

    @property
    def rank(self) -> int:
        return _RANKS[self]  # every access check asks: a dict, not a list scan


_RANKS = {role: rank for rank, role in enumerate(HostRole)}


@dataclass(frozen=True)
class Caller:
    """The host an auth_token stands for, as far as access is concerned."""

    id: int
    company_id: int
    reseller_id: int
    role: HostRole


class TenantRef(Protocol):
    """What access checks read of a tenant (``Tenant`` has it)."""

    @property
    def id(self) -> int: ...

    @property
    def reseller_id(self) -> int: ...


@dataclass(frozen=True)
class Actor:
    caller: Caller
    tenant: TenantRef

    @property
    def role(self) -> HostRole:
        return self.caller.role

    @property
    def reseller_id(self) -> int:
        return self.caller.reseller_id

    def require(self, minimum: HostRole) -> None:
        if self.role.rank < minimum.rank:
            raise Forbidden(f"This needs the {minimum.value} role")


def credentials_fit_tenant(caller: Caller, tenant: TenantRef) -> bool:
    """A reseller admin may call on any of its reseller's host names; anyone
    else only on their own company's."""
    if caller.role is HostRole.RESELLER_ADMIN:
        return caller.reseller_id == tenant.reseller_id
    return caller.company_id == tenant.id


def covers_company(caller: Caller, company_id: int, reseller_id: int) -> bool:
    """Whether the company lies in the caller's scope: every company of its
    reseller for a reseller admin, its own company for anyone else."""
    if reseller_id != caller.reseller_id:
        return False
    return caller.role is HostRole.RESELLER_ADMIN or company_id == caller.company_id


def administers_company(caller: Caller, company_id: int, reseller_id: int) -> bool:
    """A company admin of that company, or a reseller admin of its reseller."""
    return caller.role.rank >= HostRole.COMPANY_ADMIN.rank and \
        covers_company(caller, company_id, reseller_id)


def require_may_see_host(actor: Actor, host_id: int) -> None:
    """Within scope, a HOST reads only itself (403 for a colleague)."""
    if actor.role is HostRole.HOST and host_id != actor.caller.id:
        raise Forbidden("A host may only read itself")


def may_manage(actor: Actor, host_role: HostRole) -> bool:
    """Whether the actor may change a host of ``host_role`` (in its scope):
    COMPANY_ADMIN or more, and no lesser role than the host's. Only they
    see the host's secrets (SSO key, moderator PIN)."""
    return actor.role.rank >= HostRole.COMPANY_ADMIN.rank and host_role.rank <= actor.role.rank


def require_may_manage(actor: Actor, host_role: HostRole) -> None:
    """Changing a host needs COMPANY_ADMIN or more, and no lesser role than its own."""
    actor.require(HostRole.COMPANY_ADMIN)
    if host_role.rank > actor.role.rank:
        raise Forbidden(f"A {actor.role.value} cannot change a {host_role.value}")


def require_may_grant(actor: Actor, role: HostRole) -> None:
    if role.rank > actor.role.rank:
        raise Forbidden(f"A {actor.role.value} cannot grant the {role.value} role")
