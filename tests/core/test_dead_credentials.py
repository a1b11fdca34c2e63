"""Issuing a credential deletes its owner's dead ones (expired or revoked):
the tables of auth_tokens, web sessions and OAuth tokens hold about what is
live, with no cleaning job."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.modules.access import Actor, Caller, HostRole
from app.modules.hosts.credentials import authenticate
from app.modules.hosts.models import ApiToken, Host, HostWebSession, SessionVia
from app.modules.hosts.web_sessions import open_host_session
from app.modules.oauth import operations as oauth
from app.modules.oauth.models import OAuthToken
from app.modules.tenants.models import Company, Tenant

PASSWORD = "a long enough password"


def _rows(model: type, **where: int) -> int:
    column, value = next(iter(where.items()))
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(
        getattr(model, column) == value)).scalar_one()


def _age_all(model: type) -> None:
    db.session.execute(sa.update(model).values(expires_at=utcnow() - timedelta(seconds=1)))


def test_a_new_auth_token_or_web_session_deletes_the_hosts_dead_ones(
        ctx, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    info = make_host(company, password=PASSWORD)
    other = make_host(company)
    tenant = Tenant.of(db.session.get(Company, company["id"]))
    host = db.session.get(Host, info["id"])
    authenticate(tenant, info["email"], PASSWORD)
    authenticate(tenant, info["email"], PASSWORD)
    open_host_session(tenant, host, SessionVia.PASSWORD)
    open_host_session(tenant, db.session.get(Host, other["id"]), SessionVia.PASSWORD)
    _age_all(ApiToken)
    _age_all(HostWebSession)
    authenticate(tenant, info["email"], PASSWORD)
    open_host_session(tenant, host, SessionVia.PASSWORD)
    assert _rows(ApiToken, host_id=host.id) == 1
    assert _rows(HostWebSession, host_id=host.id) == 1
    assert _rows(HostWebSession, host_id=other["id"]) == 1  # another host's: its own turn


def test_a_new_oauth_token_deletes_the_clients_expired_and_revoked_ones(
        ctx, make_reseller, make_company):
    reseller = make_reseller()
    company = make_company(reseller)
    admin = db.session.get(Host, reseller["admin"]["id"])
    tenant = Tenant.of(db.session.get(Company, company["id"]))
    actor = Actor(Caller(id=admin.id, company_id=admin.company_id,
                         reseller_id=admin.reseller_id, role=HostRole.RESELLER_ADMIN), tenant)
    created = oauth.create_client(actor, company["id"], "X", ["host:read"])
    client = oauth.client_of(tenant, created.client.client_id)
    assert client is not None
    for _ in range(3):
        oauth.save_token(client, oauth.new_access_token(), "host:read", 60)
    _age_all(OAuthToken)
    live = oauth.new_access_token()
    oauth.save_token(client, live, "host:read", 60)
    assert _rows(OAuthToken, oauth_client_id=client.id) == 1
    assert oauth.grant_for_token(live, tenant).caller.id == admin.id
