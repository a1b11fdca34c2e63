"""Which host an OpenID Connect login is: the verified ``sub`` matched to
``host.openid_sub`` within the company (deleted hosts are no one), or, when
the company provisions hosts, a new HOST named from the login's claims."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.errors import Conflict, Forbidden
from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import Host
from app.modules.hosts.operations import add_host
from app.modules.tenants.models import Tenant

MAX_SUB = 255  # hosts.openid_sub
MAX_NAME = 200
MAX_EMAIL = 254


class NotLinked(Forbidden):
    """The provider knows the person; the company has no host for them."""


def host_for_subject(tenant: Tenant, claims: dict[str, Any]) -> Host:
    """The live host of ``tenant`` whose openid_sub is the claims' ``sub``;
    a new HOST if there is none and the company provisions hosts; else 403
    with a page that says so."""
    sub = claims["sub"]
    if 0 < len(sub) <= MAX_SUB and sub.isprintable():
        hosts = db.session.execute(
            sa.select(Host).where(Host.company_id == tenant.id, Host.openid_sub == sub,
                                  Host.deleted_at.is_(None)).order_by(Host.id).limit(2)
        ).scalars().all()
        if len(hosts) == 1:
            return hosts[0]
        if len(hosts) > 1:
            raise Conflict(f"Your account at {tenant.openid_issuer} is linked to several "
                           f"hosts of {tenant.name}; ask your administrator to fix it")
    if not tenant.openid_provision_hosts:
        raise NotLinked(f"Your account at {tenant.openid_issuer} is not linked to a host "
                        f"of {tenant.name}")
    return _provision(tenant, sub, claims)


def _provision(tenant: Tenant, sub: str, claims: dict[str, Any]) -> Host:
    """A HOST for a person the provider vouches for. Needs a verified email,
    which must not be another host's: that host's account is not taken over
    by whoever controls an account with the same email at the provider."""
    email = claims.get("email")
    if not (0 < len(sub) <= MAX_SUB and sub.isprintable()) or not isinstance(email, str) or \
            claims.get("email_verified") is not True or "@" not in email or \
            len(email) > MAX_EMAIL or not email.isprintable():
        raise NotLinked(f"Your account at {tenant.openid_issuer} has no verified email "
                        f"to make you a host of {tenant.name}")
    email = email.strip().lower()
    taken = db.session.execute(
        sa.select(Host.id).where(Host.company_id == tenant.id, Host.email == email,
                                 Host.deleted_at.is_(None))
    ).first()
    if taken:
        raise NotLinked(f"A host of {tenant.name} already uses {email}; ask your "
                        f"administrator to link your account at {tenant.openid_issuer}")
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        name = email.split("@")[0]
    created = add_host(tenant, {"name": name.strip()[:MAX_NAME], "email": email,
                                "role": HostRole.HOST, "openid_sub": sub,
                                "no_welcome_email": True})
    host = db.session.get(Host, created.host.id)
    assert host is not None
    return host
