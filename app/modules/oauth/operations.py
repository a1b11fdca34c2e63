"""OAuth clients: create, list and revoke them (a company's admins); check
their credentials and issue, resolve and revoke their bearer tokens (the
token endpoint, app/api/oauth, and the enterprise_api's bearer look-up)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.pagination import Page, paginate
from app.core.security import (
    constant_time_equal,
    new_token,
    purge_dead_credentials,
    token_digest,
)
from app.errors import NotFound, Unauthorized
from app.extensions import db, settings
from app.modules.access import Actor, Caller, HostRole, credentials_fit_tenant
from app.modules.hosts.models import Host
from app.modules.oauth.models import ClientRecord, CreatedClient, Grant, OAuthClient, OAuthToken
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import load_company

# Access tokens start with this; auth_tokens (URL-safe base64) never hold a
# '.', so the enterprise_api tells the two apart without a look-up.
ACCESS_TOKEN_PREFIX = "oauth."
CLIENT_ID_BYTES = 18  # public: unique, not secret
# A client's tokens act with no more than this role, on their company only.
MOST_A_CLIENT_MAY = HostRole.COMPANY_ADMIN


def is_access_token(token: str) -> bool:
    return token.startswith(ACCESS_TOKEN_PREFIX)


def create_client(actor: Actor, company_id: int, name: str,
                  scopes: Sequence[str]) -> CreatedClient:
    """A new client of the company; its secret is in the answer and nowhere else."""
    actor.require(HostRole.COMPANY_ADMIN)
    company = load_company(actor, company_id)
    secret = new_token()
    client = OAuthClient(
        company_id=company.id, name=name, client_id=secrets.token_urlsafe(CLIENT_ID_BYTES),
        client_secret_hash=token_digest(secret), scopes=list(dict.fromkeys(scopes)),
        created_by_id=actor.caller.id,
    )
    db.session.add(client)
    db.session.flush()
    return CreatedClient(ClientRecord.of(client), secret)


def list_clients(actor: Actor, company_id: int, page: int, per_page: int) -> Page[ClientRecord]:
    """The company's clients that are not revoked."""
    actor.require(HostRole.COMPANY_ADMIN)
    company = load_company(actor, company_id)
    query = sa.select(OAuthClient).where(OAuthClient.company_id == company.id,
                                         OAuthClient.revoked_at.is_(None))
    return paginate(query, OAuthClient.id, page, per_page).map(ClientRecord.of)


def revoke_client(actor: Actor, client_id: str) -> None:
    """The client and every token it holds stop working at once."""
    actor.require(HostRole.COMPANY_ADMIN)
    client = db.session.execute(
        sa.select(OAuthClient).where(OAuthClient.client_id == client_id,
                                     OAuthClient.revoked_at.is_(None))
    ).scalar()
    if client is None:
        raise NotFound("OAuth client not found")
    load_company(actor, client.company_id)  # another tenant's client: 404 as a missing one
    now = utcnow()
    client.revoked_at = now
    db.session.execute(
        sa.update(OAuthToken).where(OAuthToken.oauth_client_id == client.id,
                                    OAuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    db.session.flush()


def client_of(tenant: Tenant, client_id: str) -> OAuthClient | None:
    """The live client ``client_id`` of the company at ``tenant``: a client
    of another company does not exist on this host name."""
    if not (0 < len(client_id) <= 64 and client_id.isascii() and client_id.isprintable()):
        return None  # no client has it, and the text must not reach a query
    return db.session.execute(
        sa.select(OAuthClient).join(Host, Host.id == OAuthClient.created_by_id)
        .where(OAuthClient.client_id == client_id, OAuthClient.company_id == tenant.id,
               OAuthClient.revoked_at.is_(None), Host.deleted_at.is_(None))
    ).scalar()


def secret_matches(client: OAuthClient, secret: str) -> bool:
    return constant_time_equal(token_digest(secret), client.client_secret_hash)


def allowed_scope(client: OAuthClient, requested: str | None) -> str | None:
    """The scope to grant: all of the client's when none is asked for, what
    is asked when the client has all of it, else None (invalid_scope)."""
    if not requested:
        return " ".join(client.scopes)
    asked = requested.split()
    return " ".join(dict.fromkeys(asked)) if set(asked) <= set(client.scopes) else None


def new_access_token() -> str:
    return ACCESS_TOKEN_PREFIX + new_token()


def token_seconds() -> int:
    return settings().oauth_token_seconds


def save_token(client: OAuthClient, access_token: str, scope: str, expires_in: int) -> None:
    purge_dead_credentials(OAuthToken.oauth_client_id, client.id)
    db.session.add(OAuthToken(oauth_client_id=client.id, token_hash=token_digest(access_token),
                              scope=scope, expires_at=utcnow() + timedelta(seconds=expires_in)))
    db.session.flush()


def grant_for_token(token: str, tenant: Tenant) -> Grant:
    """What the bearer ``token`` may do on this tenant's host name, or 401
    (unknown, expired or revoked token; revoked client; its admin deleted;
    its company inactive; another company's host name). Read from the
    database on every call: tokens live an hour, and a revocation must hold
    at once."""
    row = db.session.execute(
        sa.select(OAuthToken.scope, OAuthToken.expires_at, OAuthClient.company_id,
                  Company.reseller_id, Host.id, Host.role)
        .join(OAuthClient, OAuthClient.id == OAuthToken.oauth_client_id)
        .join(Company, Company.id == OAuthClient.company_id)
        .join(Host, Host.id == OAuthClient.created_by_id)
        .where(OAuthToken.token_hash == token_digest(token), OAuthToken.revoked_at.is_(None),
               OAuthClient.revoked_at.is_(None), Host.deleted_at.is_(None),
               Company.active.is_(True))
    ).one_or_none()
    if row is None or row.expires_at <= utcnow():
        raise Unauthorized("Invalid or expired access token")
    role = min(row.role, MOST_A_CLIENT_MAY, key=lambda r: r.rank)
    caller = Caller(id=row.id, company_id=row.company_id, reseller_id=row.reseller_id,
                    role=role)
    if not credentials_fit_tenant(caller, tenant):
        raise Unauthorized("This access token is not valid on this host name")
    return Grant(caller=caller, scopes=frozenset(row.scope.split()))
