"""The oauth domain package on its own: scopes granted, the role a token
acts with, and how access tokens are told from auth_tokens."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.security import new_token
from app.errors import Unauthorized
from app.extensions import db
from app.modules.access import Actor, Caller, HostRole
from app.modules.hosts.models import Host
from app.modules.oauth import operations
from app.modules.oauth.models import OAuthClient
from app.modules.tenants.models import Company, Tenant


@pytest.mark.parametrize(("client_scopes", "requested", "granted"), [
    (["host:read", "host:write"], None, "host:read host:write"),
    (["host:read", "host:write"], "", "host:read host:write"),
    (["host:read", "host:write"], "host:write", "host:write"),
    (["host:read", "host:write"], "host:write host:write host:read", "host:write host:read"),
    (["host:read"], "host:read host:write", None),
    (["host:read"], "company:read", None),
])
def test_allowed_scope(client_scopes, requested, granted):
    client = OAuthClient(scopes=client_scopes)
    assert operations.allowed_scope(client, requested) == granted


def test_access_tokens_are_never_mistaken_for_auth_tokens():
    # auth_tokens are URL-safe base64, which has no '.'.
    assert not any(operations.is_access_token(new_token()) for _ in range(1000))
    assert operations.is_access_token(operations.new_access_token())


@pytest.mark.parametrize(("creator_role", "acts_as"), [
    (HostRole.RESELLER_ADMIN, HostRole.COMPANY_ADMIN),
    (HostRole.COMPANY_ADMIN, HostRole.COMPANY_ADMIN),
    (HostRole.HOST, HostRole.HOST),  # an admin made it, and was demoted since
])
def test_a_token_acts_with_its_creators_role_at_most_company_admin(
        ctx, make_reseller, make_company, make_host, creator_role, acts_as):
    reseller = make_reseller()
    company = make_company(reseller)
    creator = reseller["admin"] if creator_role is HostRole.RESELLER_ADMIN else \
        make_host(company, creator_role)
    tenant = Tenant.of(db.session.get(Company, company["id"]))
    row = db.session.get(Host, creator["id"])
    actor = Actor(Caller(id=row.id, company_id=row.company_id, reseller_id=row.reseller_id,
                         role=HostRole.RESELLER_ADMIN if creator_role is
                         HostRole.RESELLER_ADMIN else HostRole.COMPANY_ADMIN), tenant)
    created = operations.create_client(actor, company["id"], "X", ["host:read"])
    client = operations.client_of(tenant, created.client.client_id)
    assert client is not None and operations.secret_matches(client, created.client_secret)
    token = operations.new_access_token()
    operations.save_token(client, token, "host:read", 60)
    grant = operations.grant_for_token(token, tenant)
    assert grant.caller.role is acts_as
    assert grant.caller.company_id == company["id"] and grant.caller.id == creator["id"]
    assert grant.scopes == {"host:read"}
    # On another company's host name the token is no credential.
    other = Tenant.of(db.session.get(Company, reseller["admin_company"]["id"]))
    with pytest.raises(Unauthorized):
        operations.grant_for_token(token, other)
    db.session.rollback()


def test_client_ids_that_no_query_should_see_find_nothing(ctx, make_reseller):
    reseller = make_reseller()
    tenant = Tenant.of(db.session.get(Company, reseller["admin_company"]["id"]))
    for hostile in ("", "a\x00b", "é", "x" * 65):
        assert operations.client_of(tenant, hostile) is None
    assert db.session.execute(sa.select(sa.func.count()).select_from(OAuthClient)).scalar() == 0
