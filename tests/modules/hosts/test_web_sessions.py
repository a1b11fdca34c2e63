"""Host web sessions: what opens one (SSO key, password), what ends one
(logout, expiry, a new password, deletion), and on which host names it counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import Forbidden, RateLimited, Unauthorized
from app.extensions import db
from app.modules.access import Actor, Caller, HostRole
from app.modules.hosts.credentials import set_password
from app.modules.hosts.models import Host, HostWebSession, SessionVia
from app.modules.hosts.operations import delete_host, rotate_login_token
from app.modules.hosts.web_sessions import (
    change_email,
    change_password,
    close_host_session,
    host_session,
    open_host_session,
    password_login,
    sso_login,
)
from app.modules.tenants.models import Company, Tenant
from tests.helpers import DEFAULT_PASSWORD


@pytest.fixture
def people(app, make_reseller, make_company, make_host) -> dict[str, Any]:
    reseller = make_reseller()
    company = make_company(reseller)
    return {"company": company, "other_company": make_company(reseller),
            "host": make_host(company), "admin": make_host(company, HostRole.COMPANY_ADMIN),
            "reseller": reseller}


@pytest.fixture
def req(app):
    """A request context: SSO failures count per client address."""
    with app.test_request_context("/auth", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        yield
        db.session.remove()


def _tenant(company_id: int) -> Tenant:
    company = db.session.get(Company, company_id)
    assert company is not None
    return Tenant.of(company)


def _host(host_id: int) -> Host:
    host = db.session.get(Host, host_id)
    assert host is not None
    return host


def _admin_actor(people: dict[str, Any]) -> Actor:
    admin = people["admin"]
    return Actor(Caller(admin["id"], admin["company_id"], people["reseller"]["reseller_id"],
                        HostRole.COMPANY_ADMIN), _tenant(admin["company_id"]))


def _open(people: dict[str, Any], via: SessionVia = SessionVia.PASSWORD) -> str:
    token = open_host_session(_tenant(people["company"]["id"]), _host(people["host"]["id"]),
                              via, after_call_url="https://example.test/bye")
    db.session.commit()
    return token


def test_a_session_stands_for_its_host_on_its_company_only(req, people):
    token = _open(people)
    session = host_session(_tenant(people["company"]["id"]), token)
    assert session is not None
    assert session.caller == Caller(people["host"]["id"], people["company"]["id"],
                                    people["reseller"]["reseller_id"], HostRole.HOST)
    assert session.after_call_url == "https://example.test/bye"
    assert session.via is SessionVia.PASSWORD and session.may_change_credentials
    assert len(session.csrf_token) >= 32
    assert host_session(_tenant(people["other_company"]["id"]), token) is None
    assert host_session(_tenant(people["company"]["id"]), token + "x") is None
    # Only the token's digest is stored.
    assert db.session.execute(sa.select(HostWebSession.token_hash)).scalar() != token


def test_logout_ends_the_session(req, people):
    token = _open(people)
    close_host_session(token)
    db.session.commit()
    assert host_session(_tenant(people["company"]["id"]), token) is None


def test_an_expired_session_is_none(req, people):
    token = _open(people)
    db.session.execute(sa.update(HostWebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert host_session(_tenant(people["company"]["id"]), token) is None


def test_deleting_the_host_revokes_its_sessions(req, people):
    token = _open(people)
    delete_host(_admin_actor(people), people["host"]["id"])
    db.session.commit()
    assert host_session(_tenant(people["company"]["id"]), token) is None
    assert db.session.execute(sa.select(HostWebSession.revoked_at)).scalar() is not None


def test_a_password_set_elsewhere_ends_every_session(req, people):
    token = _open(people, SessionVia.SSO)
    set_password(_host(people["host"]["id"]), "another-password-1")
    db.session.commit()
    assert host_session(_tenant(people["company"]["id"]), token) is None


def test_changing_the_password_keeps_only_the_session_that_changed_it(req, people):
    tenant = _tenant(people["company"]["id"])
    current, other = _open(people), _open(people)
    session = host_session(tenant, current)
    assert session is not None
    change_password(session, DEFAULT_PASSWORD, "a-new-password-2")
    db.session.commit()
    assert host_session(tenant, current) is not None
    assert host_session(tenant, other) is None
    assert password_login(tenant, people["host"]["email"], "a-new-password-2").id == \
        people["host"]["id"]


def test_a_wrong_current_password_changes_nothing(req, people):
    tenant = _tenant(people["company"]["id"])
    session = host_session(tenant, _open(people))
    assert session is not None
    with pytest.raises(Unauthorized):
        change_password(session, "not-the-password", "a-new-password-2")
    with pytest.raises(Unauthorized):
        change_email(session, "not-the-password", "new@example.test")
    db.session.rollback()
    assert _host(people["host"]["id"]).email == people["host"]["email"]


@pytest.mark.parametrize("via", [SessionVia.SSO, SessionVia.OPENID])
def test_sso_and_openid_sessions_change_neither_password_nor_email(req, people, via):
    session = host_session(_tenant(people["company"]["id"]), _open(people, via))
    assert session is not None and not session.may_change_credentials
    with pytest.raises(Forbidden):
        change_password(session, DEFAULT_PASSWORD, "a-new-password-2")
    with pytest.raises(Forbidden):
        change_email(session, DEFAULT_PASSWORD, "new@example.test")


def test_sso_takes_the_current_key_only(req, people):
    tenant = _tenant(people["company"]["id"])
    host = _host(people["host"]["id"])
    old_key = host.login_token_public_key
    assert sso_login(tenant, host.id, old_key).id == host.id
    opened = _open(people, SessionVia.SSO)
    rotate_login_token(_admin_actor(people), host.id)
    db.session.commit()
    with pytest.raises(Unauthorized):
        sso_login(tenant, host.id, old_key)
    # A session the old key opened lasts until it ends (logout, expiry, a
    # new password): rotating stops new logins with the key.
    assert host_session(tenant, opened) is not None
    assert sso_login(tenant, host.id, _host(host.id).login_token_public_key).id == host.id


def test_sso_refuses_alike_unknown_foreign_and_deleted_hosts(people, make_host, req):
    foreign_id = make_host(people["other_company"])["id"]  # before this session reads (SQLite)
    tenant = _tenant(people["company"]["id"])
    foreign = _host(foreign_id)
    host = _host(people["host"]["id"])
    refusals = []
    for host_id, key in [(host.id, "0" * 64), (2**31 - 1, host.login_token_public_key),
                         (foreign.id, foreign.login_token_public_key)]:
        with pytest.raises(Unauthorized) as refused:
            sso_login(tenant, host_id, key)
        refusals.append(refused.value.message)
    delete_host(_admin_actor(people), host.id)
    db.session.commit()
    with pytest.raises(Unauthorized) as refused:
        sso_login(tenant, host.id, host.login_token_public_key)
    refusals.append(refused.value.message)
    assert len(set(refusals)) == 1


def test_refused_sso_logins_are_limited_per_address(app_with, people):
    app = app_with(ratelimit_sso="3 per minute")
    with app.test_request_context("/auth", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        tenant = _tenant(people["company"]["id"])
        host = _host(people["host"]["id"])
        for _ in range(3):
            with pytest.raises(Unauthorized):
                sso_login(tenant, host.id, "wrong")
        with pytest.raises(RateLimited):  # a right key too, once the limit is spent
            sso_login(tenant, host.id, host.login_token_public_key)
        db.session.remove()
