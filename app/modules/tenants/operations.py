"""Resellers and companies: create, read, change, deactivate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.core.pagination import Page, paginate
from app.core.schemas import normalize_origin
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db, settings
from app.modules.access import Actor, HostRole, covers_company
from app.modules.settings import operations as cascade
from app.modules.tenants.models import Company, Reseller, ResellerRecord, Tenant, new_shared_secret

# Fields a COMPANY_ADMIN may change on its own company; the rest is the reseller's.
# Its OpenID Connect provider is the company's own too (openid_provider, whether
# the reseller offers it, is not).
COMPANY_ADMIN_FIELDS = frozenset({"name", "embed_origins", "branding", "meeting_defaults",
                                  "openid_issuer", "openid_client_id", "openid_client_secret",
                                  "openid_provision_hosts", "checksum_algorithms"})


def branding_for(tenant: Tenant) -> dict[str, Any]:
    """Branding as it applies: platform default, then reseller, then company
    (the settings cascade's ``branding``)."""
    return cascade.branding(tenant)


def company_url(tenant: Tenant, path: str) -> str:
    """An absolute URL on the company's host name (PUBLIC_SCHEME, PUBLIC_PORT)."""
    return public_url(tenant.host_name, path)


def public_url(host_name: str, path: str) -> str:
    """An absolute URL on ``host_name`` as clients reach it (PUBLIC_SCHEME, PUBLIC_PORT)."""
    config = settings()
    default_port = {"http": 80, "https": 443}[config.public_scheme]
    port = f":{config.public_port}" if config.public_port not in (0, default_port) else ""
    return f"{config.public_scheme}://{host_name}{port}{path}"


def tenant_at(host_name: str) -> Tenant | None:
    """The active company reached at ``host_name`` (lower case, no port), read
    from the database; requests use the cached ``resolvers.tenant_at``."""
    subdomain, _, domain = host_name.partition(".")
    # One round trip. A custom domain wins over a subdomain name that happens
    # to spell the same host name.
    company = db.session.execute(
        sa.select(Company).join(Company.reseller)
        .where(sa.or_(Company.custom_domain == host_name,
                      sa.and_(Company.subdomain == subdomain, Reseller.domain == domain)))
        .order_by(sa.case((Company.custom_domain == host_name, 0), else_=1)).limit(1)
    ).scalar()
    return Tenant.of(company) if company is not None and company.active else None


def load_company(actor: Actor, company_id: int) -> Company:
    """The row of the active company ``company_id``, to change it, if the
    actor's scope covers it; else 404."""
    company = db.session.get(Company, company_id)
    if company is None or not company.active or \
            not covers_company(actor.caller, company.id, company.reseller_id):
        raise NotFound("Company not found")
    return company


def create_reseller(name: str, domain: str, admin_subdomain: str = "admin") -> Tenant:
    """A reseller and its admin company (the operator's CLI; no actor)."""
    domain = domain.strip().lower()
    if db.session.execute(sa.select(Reseller.id).where(Reseller.domain == domain)).scalar():
        raise Conflict(f"A reseller already uses {domain}")
    reseller = Reseller(name=name, domain=domain, branding={})
    company = Company(
        reseller=reseller, subdomain=admin_subdomain, name=name, openid_provider=False,
        embed_origins=[], branding={}, meeting_defaults={}, is_admin_company=True,
    )
    db.session.add_all([reseller, company])
    db.session.flush()
    return Tenant.of(company)


def reseller_admin_company(domain: str) -> Tenant | None:
    """The admin company of the reseller on ``domain``, if there is one."""
    company = db.session.execute(
        sa.select(Company).join(Company.reseller)
        .where(Reseller.domain == domain.strip().lower(), Company.is_admin_company.is_(True))
    ).scalar()
    return Tenant.of(company) if company is not None else None


def create_company(actor: Actor, data: dict[str, Any]) -> Tenant:
    actor.require(HostRole.RESELLER_ADMIN)
    company = Company(
        reseller_id=actor.reseller_id, subdomain=data["subdomain"], name=data["name"],
        openid_provider=data["openid_provider"], custom_domain=data.get("custom_domain"),
        embed_origins=_origins(data.get("embed_origins", [])),
        branding=data.get("branding", {}),
        meeting_defaults=data.get("meeting_defaults", {}),
        inherit_reseller_defaults=data.get("inherit_reseller_defaults", True),
        openid_issuer=data.get("openid_issuer"), openid_client_id=data.get("openid_client_id"),
        openid_client_secret=data.get("openid_client_secret"),
        openid_provision_hosts=data.get("openid_provision_hosts", False),
    )
    company.reseller = db.session.get_one(Reseller, actor.reseller_id)
    cascade.check_company_defaults(company, company.meeting_defaults)
    _check_names_free(company)
    db.session.add(company)
    db.session.flush()
    return Tenant.of(company)


def get_company(actor: Actor, company_id: int) -> Tenant:
    actor.require(HostRole.COMPANY_ADMIN)
    return Tenant.of(load_company(actor, company_id))


def list_companies(actor: Actor, page: int, per_page: int) -> Page[Tenant]:
    actor.require(HostRole.RESELLER_ADMIN)
    query = sa.select(Company).where(
        Company.reseller_id == actor.reseller_id, Company.active.is_(True)
    )
    return paginate(query, Company.id, page, per_page).map(Tenant.of)


def update_company(actor: Actor, company_id: int, changes: dict[str, Any]) -> Tenant:
    actor.require(HostRole.COMPANY_ADMIN)
    company = load_company(actor, company_id)
    if actor.role is not HostRole.RESELLER_ADMIN and set(changes) - COMPANY_ADMIN_FIELDS:
        denied = ", ".join(sorted(set(changes) - COMPANY_ADMIN_FIELDS))
        raise Forbidden(f"Only the reseller may change: {denied}")
    if "embed_origins" in changes:
        changes["embed_origins"] = _origins(changes["embed_origins"])
    for key, value in changes.items():
        setattr(company, key, value)
    if "meeting_defaults" in changes:  # against the reseller's, as the changes leave them
        cascade.check_company_defaults(company, company.meeting_defaults)
    if {"subdomain", "custom_domain"} & set(changes):
        _check_names_free(company)
    db.session.flush()
    return Tenant.of(company)


def get_reseller(actor: Actor) -> ResellerRecord:
    """The actor's own reseller (a reseller admin's; there is no other to ask for)."""
    actor.require(HostRole.RESELLER_ADMIN)
    return ResellerRecord.of(db.session.get_one(Reseller, actor.reseller_id))


def update_reseller(actor: Actor, changes: dict[str, Any]) -> ResellerRecord:
    """Change the actor's reseller: branding, mail sender name, meeting
    defaults (each replaced as a whole). Its companies that stored wider
    permissions before keep them stored, and ignored (app.modules.settings)."""
    actor.require(HostRole.RESELLER_ADMIN)
    reseller = db.session.get_one(Reseller, actor.reseller_id)
    if "meeting_defaults" in changes:
        cascade.check_reseller_defaults(changes["meeting_defaults"])
    for key, value in changes.items():
        setattr(reseller, key, value)
    db.session.flush()
    return ResellerRecord.of(reseller)


def deactivate_company(actor: Actor, company_id: int) -> None:
    """Its host names stop resolving and its tokens stop working; data is kept."""
    actor.require(HostRole.RESELLER_ADMIN)
    company = load_company(actor, company_id)
    if company.is_admin_company:
        raise Conflict("The reseller's admin company cannot be deleted")
    company.active = False
    db.session.flush()


def _origins(origins: list[str]) -> list[str]:
    """Validated origins in their ASCII form, each once, in the order given."""
    return list(dict.fromkeys(normalize_origin(origin) for origin in origins))


def _check_names_free(company: Company) -> None:
    """Subdomains are unique within a reseller (deactivated companies keep
    theirs); custom domains are unique everywhere and must not sit under any
    reseller's domain, where they would shadow a subdomain."""
    others = sa.select(Company.id).where(Company.id != company.id) if company.id else (
        sa.select(Company.id)
    )
    with db.session.no_autoflush:
        if db.session.execute(others.where(
            Company.reseller_id == company.reseller_id, Company.subdomain == company.subdomain
        )).first():
            raise Conflict("This subdomain is taken", {"subdomain": ["Already in use."]})
        domain = company.custom_domain
        if not domain:
            return
        if db.session.execute(others.where(Company.custom_domain == domain)).first():
            raise Conflict("This custom domain is taken", {"custom_domain": ["Already in use."]})
        labels = domain.split(".")
        suffixes = [".".join(labels[i:]) for i in range(len(labels))]
        under = db.session.execute(
            sa.select(Reseller.domain).where(Reseller.domain.in_(suffixes))
        ).scalar()
    if under:
        raise ValidationFailed(
            "A custom domain cannot be under a reseller's domain",
            {"custom_domain": [f"Use a subdomain instead of a name under {under}."]},
        )


@dataclass(frozen=True)
class SharedSecret:
    """What signs a company's API calls (BBB's checksum)."""

    value: str
    algorithms: tuple[str, ...]  # the checksum digests accepted; empty: every one


def shared_secret_of(company: Tenant) -> SharedSecret:
    """The company's shared secret (made with the company row; a company made
    before there were secrets gets its own at its first use), and the
    checksum digests it accepts."""
    row = db.session.execute(sa.select(Company.shared_secret, Company.checksum_algorithms)
                             .where(Company.id == company.id)).one()
    return SharedSecret(row.shared_secret or _first_shared_secret(company.id),
                        tuple(row.checksum_algorithms or ()))


def rotate_shared_secret(actor: Actor, company_id: int) -> str:
    """A new shared secret for the company (the old one stops signing at
    once); who may update the company may rotate it."""
    actor.require(HostRole.COMPANY_ADMIN)
    company = load_company(actor, company_id)
    company.shared_secret = secret = new_shared_secret()
    db.session.flush()
    return secret


def _first_shared_secret(company_id: int) -> str:
    # Two first uses at once keep one secret: only the first UPDATE finds it
    # NULL; the other, waiting on the row, then reads the winner's.
    db.session.execute(sa.update(Company).where(
        Company.id == company_id, Company.shared_secret.is_(None)
    ).values(shared_secret=new_shared_secret()).execution_options(synchronize_session=False))
    secret = db.session.execute(sa.select(Company.shared_secret)
                                .where(Company.id == company_id)).scalar_one()
    assert secret is not None
    return secret

