"""OpenID Connect login (issue D item 5) against a real provider (panva's
oidc-provider on Node, tests/oidc), driven without a browser: the Flask
test client plays the browser on Confera's side, httpx on the provider's.
The browser flow itself is tests/web/browser/test_openid.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import Host, HostWebSession
from app.modules.oauth import openid
from tests.helpers import free_port
from tests.oidc_provider import OidcProvider, oidc_provider
from tests.web.portal_helpers import session_rows

DOMAIN = "oidc-rp.localhost"  # the company's host name is fixed: the provider knows its callback
HOST_NAME = f"joe.{DOMAIN}"
CALLBACK = f"https://{HOST_NAME}/login/openid/callback"
KNOWN_SUB = "known-subject-0001"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with oidc_provider("127.0.0.1", [CALLBACK]) as running:
        yield running


@pytest.fixture
def world(app, api, make_reseller, make_company, make_host, token_for, provider):
    openid.forget_providers()
    reseller = make_reseller(domain=DOMAIN)
    company = make_company(reseller, subdomain="joe")
    host = make_host(company, openid_sub=KNOWN_SUB)
    admin_token = token_for(reseller["admin"])
    answer = api("company/update", reseller["admin_company"]["host_name"], admin_token,
                 company_id=company["id"], openid_provider=True, openid_issuer=provider.issuer,
                 openid_client_id=provider.client_id,
                 openid_client_secret=provider.client_secret)
    assert answer.status_code == 200, answer.json
    return {"reseller": reseller, "company": company, "host": host, "token": admin_token,
            "provider": provider}


def _get(client, path: str):
    return client.get(path, headers={"Host": HOST_NAME})


def _at_provider(location: str, issuer: str) -> str:
    """Follow the provider's redirects (its login and consent, which log the
    chosen account in by themselves) until it sends the browser back."""
    with httpx.Client(timeout=10) as browser:
        url = location
        for _ in range(10):
            if not url.startswith(issuer):
                return url
            answer = browser.get(url)
            assert answer.status_code in (302, 303), (answer.status_code, answer.text)
            url = urljoin(url, answer.headers["Location"])
    raise AssertionError("the provider kept redirecting")


def _sign_in(client, world, path: str = "/login/openid") -> tuple[Any, str]:
    """(the callback's answer, the URL the provider sent back to)."""
    start = _get(client, path)
    assert start.status_code == 303, start.get_data(as_text=True)
    back = _at_provider(start.headers["Location"], world["provider"].issuer)
    assert back.startswith(CALLBACK + "?")
    parts = urlsplit(back)
    return _get(client, f"{parts.path}?{parts.query}"), back


def test_the_authorization_request_uses_pkce_state_and_nonce(client, world):
    start = _get(client, "/login/openid")
    location = start.headers["Location"]
    assert location.startswith(world["provider"].issuer + "/auth?")
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [world["provider"].client_id]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert len(query["state"][0]) >= 40 and len(query["nonce"][0]) >= 40
    assert start.headers["Cache-Control"] == "no-store"


def test_a_linked_account_signs_in_and_lands_where_it_started(app, client, world):
    world["provider"].login_as(KNOWN_SUB, "someone@example.test", "Someone")
    answer, _ = _sign_in(client, world, "/login/openid?next=/portal/room")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    assert answer.headers["Location"] == "/portal/room"
    assert "Partitioned" in answer.headers["Set-Cookie"]
    assert [(r.host_id, r.via) for r in session_rows(app)] == [(world["host"]["id"], "openid")]
    page = _get(client, "/portal/room")
    assert page.status_code == 200
    assert world["host"]["access_code"] in page.get_data(as_text=True)


def test_the_default_landing_is_upcoming_and_a_foreign_next_is_ignored(client, world):
    world["provider"].login_as(KNOWN_SUB)
    answer, _ = _sign_in(client, world, "/login/openid?next=//evil.example/x")
    assert answer.headers["Location"] == "/conf/calls/upcoming"


def test_an_unknown_account_gets_a_clear_page(app, client, world, snapshot):
    world["provider"].login_as("nobody-here", "stranger@example.test", "Stranger")
    before = snapshot()
    answer, _ = _sign_in(client, world)
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert f"Your account at {world['provider'].issuer} is not linked to a host of Company" \
        in page
    assert snapshot() == before


def test_a_deleted_host_is_no_one(app, client, api, world, snapshot):
    assert api("host/delete", world["reseller"]["admin_company"]["host_name"], world["token"],
               host_id=world["host"]["id"]).status_code == 200
    world["provider"].login_as(KNOWN_SUB)
    answer, _ = _sign_in(client, world)
    assert answer.status_code == 403 and session_rows(app) == []


def _provisioning(api, world) -> None:
    answer = api("company/update", world["reseller"]["admin_company"]["host_name"],
                 world["token"], company_id=world["company"]["id"], openid_provision_hosts=True)
    assert answer.status_code == 200 and answer.json["openid_provision_hosts"] is True


def test_an_unknown_account_becomes_a_host_when_the_company_provisions(app, api, client, world):
    _provisioning(api, world)
    world["provider"].login_as("new-subject-7", "New.Person@Example.test", "New Person")
    answer, _ = _sign_in(client, world)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    with app.app_context():
        host = db.session.execute(sa.select(Host).where(Host.openid_sub == "new-subject-7")
                                  ).scalar_one()
        assert (host.company_id, host.role, host.name, host.email) == \
            (world["company"]["id"], HostRole.HOST, "New Person", "new.person@example.test")
        db.session.remove()
    assert [r.host_id for r in session_rows(app)] == [host.id]
    # The next login finds the same host.
    client.delete_cookie("confera_host_session", domain=HOST_NAME)
    again, _ = _sign_in(client, world)
    assert again.status_code == 303
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Host.id))
                                  .where(Host.openid_sub == "new-subject-7")).scalar() == 1


@pytest.mark.parametrize(("email", "why"), [
    (None, "has no verified email"),
    ("taken", "already uses"),
])
def test_provisioning_needs_a_verified_email_no_host_has(api, client, world, snapshot, email,
                                                          why):
    _provisioning(api, world)
    if email == "taken":
        email = world["host"]["email"]
    world["provider"].login_as("new-subject-8", email, "Someone Else")
    before = snapshot()
    answer, _ = _sign_in(client, world)
    assert answer.status_code == 403 and why in answer.get_data(as_text=True)
    assert snapshot() == before


# -- the callback's refusals --------------------------------------------------------------


def _tampered(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.path}?" + "&".join(f"{k}={v}" for k, v in query.items())


def _callback_url(client, world) -> str:
    start = _get(client, "/login/openid")
    return _at_provider(start.headers["Location"], world["provider"].issuer)


REFUSALS = [
    ("another state", lambda url: _tampered(url, state="x" * 43), 400),
    ("no state", lambda url: _tampered(url, state=None), 400),
    ("no code", lambda url: _tampered(url, code=None), 400),
    ("a made-up code", lambda url: _tampered(url, code="made-up"), 401),
    ("the provider's error", lambda url: _tampered(url, code=None, error="access_denied"), 401),
]


@pytest.mark.parametrize(("case", "tamper", "status"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_the_callback_refuses(client, world, snapshot, case, tamper, status):
    world["provider"].login_as(KNOWN_SUB)
    back = _callback_url(client, world)
    before = snapshot()
    answer = _get(client, tamper(back))
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert snapshot() == before
    # The attempt is spent: even the untouched answer cannot finish it now.
    parts = urlsplit(back)
    assert _get(client, f"{parts.path}?{parts.query}").status_code == 400


def test_a_callback_this_browser_did_not_start_is_400(client, world, snapshot):
    world["provider"].login_as(KNOWN_SUB)
    back = _callback_url(client, world)
    parts = urlsplit(back)
    other_browser = client.application.test_client()
    before = snapshot()
    assert _get(other_browser, f"{parts.path}?{parts.query}").status_code == 400
    assert snapshot() == before


def test_a_wrong_client_secret_is_refused_by_the_provider(app, api, client, world, snapshot):
    api("company/update", world["reseller"]["admin_company"]["host_name"], world["token"],
        company_id=world["company"]["id"], openid_client_secret="not-the-secret")
    world["provider"].login_as(KNOWN_SUB)
    before = snapshot()
    answer, _ = _sign_in(client, world)
    assert answer.status_code == 401 and snapshot() == before


def test_without_a_configured_provider_there_is_no_sign_on(app, api, client, world):
    admin = world["reseller"]["admin_company"]["host_name"]
    api("company/update", admin, world["token"], company_id=world["company"]["id"],
        openid_issuer=None)
    assert _get(client, "/login/openid").status_code == 404
    api("company/update", admin, world["token"], company_id=world["company"]["id"],
        openid_issuer=world["provider"].issuer, openid_provider=False)
    assert _get(client, "/login/openid").status_code == 404
    assert _get(client, "/login/openid/callback?state=x&code=y").status_code == 404
    assert "openid-login" not in _get(client, "/login").get_data(as_text=True)


def test_the_login_page_offers_the_sign_on(client, world):
    page = _get(client, "/login").get_data(as_text=True)
    assert 'href="/login/openid?next=' in page


def test_a_provider_that_cannot_be_reached_is_503(api, client, world):
    api("company/update", world["reseller"]["admin_company"]["host_name"], world["token"],
        company_id=world["company"]["id"], openid_issuer=f"http://127.0.0.1:{free_port()}")
    assert _get(client, "/login/openid").status_code == 503


def test_sessions_opened_by_openid_may_not_change_credentials(app, client, world):
    world["provider"].login_as(KNOWN_SUB)
    _sign_in(client, world)
    with app.app_context():
        row = db.session.execute(sa.select(HostWebSession)).scalar_one()
        assert row.via == "openid"
