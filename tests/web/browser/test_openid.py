"""OpenID Connect login in Chromium against a real provider (panva's
oidc-provider on Node, tests/oidc), started on the namespace's host address
so that both Chromium and the web reach it: the host signs in at the
provider and lands in the portal; an unknown account gets the page that
says so; a company that provisions hosts gets a new HOST; a tampered state
is refused.

The issuer is an address on the veth (http://10.x.y.1:port), which the API
refuses outside loopback and *.localhost names (they would not reach the
web here), so the test stores the company's provider in its row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import Host, HostWebSession
from app.modules.tenants.models import Company
from tests.oidc_provider import OidcProvider, oidc_provider

DOMAIN = "oidc-browser.localhost"
HOST_NAME = f"joe.{DOMAIN}"
KNOWN_SUB = "browser-subject-0001"


@pytest.fixture(scope="module")
def provider(platform, netns) -> Iterator[OidcProvider]:
    callback = platform.url(HOST_NAME, "/login/openid/callback")
    with oidc_provider(netns.host_address, [callback]) as running:
        yield running


@pytest.fixture
def world(app, platform, provider, make_reseller, make_company, make_host) -> dict[str, Any]:
    reseller = make_reseller(domain=DOMAIN)
    company = make_company(reseller, subdomain="joe")
    host = make_host(company, openid_sub=KNOWN_SUB)
    with app.app_context():
        row = db.session.get(Company, company["id"])
        assert row is not None
        row.openid_provider, row.openid_issuer = True, provider.issuer
        row.openid_client_id, row.openid_client_secret = provider.client_id, \
            provider.client_secret
        db.session.commit()
    return {"company": company, "host": host, "provider": provider}


def _sign_in(browser: Browser, platform) -> Page:
    """The login page, its single sign-on link, and wherever that ends."""
    page = browser.new_page()
    page.goto(platform.url(HOST_NAME, "/login"))
    page.click("#openid-login")
    page.wait_for_load_state()
    return page


def _sessions(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(sa.select(HostWebSession.host_id, HostWebSession.via)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def test_a_host_signs_in_at_the_provider_and_lands_in_the_portal(app, browser, platform, world):
    world["provider"].login_as(KNOWN_SUB, "joe@example.test", "Joe")
    page = _sign_in(browser, platform)
    expect(page.locator("h1")).to_have_text("Upcoming conferences")
    assert urlsplit(page.url).path == "/conf/calls/upcoming"
    assert _sessions(app) == [(world["host"]["id"], "openid")]
    page.click("text=My room")
    expect(page.locator("body")).to_contain_text(world["host"]["access_code"])
    page.close()


def test_an_unknown_account_gets_a_clear_page(app, browser, platform, world):
    world["provider"].login_as("somebody-else", "else@example.test", "Else")
    page = _sign_in(browser, platform)
    expect(page.locator("h1")).to_have_text(
        f"Your account at {world['provider'].issuer} is not linked to a host of Company")
    assert _sessions(app) == []
    page.close()


def test_a_company_that_provisions_gets_a_new_host(app, browser, platform, world):
    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == world["company"]["id"])
                           .values(openid_provision_hosts=True))
        db.session.commit()
    world["provider"].login_as("newcomer-42", "newcomer@example.test", "New Comer")
    page = _sign_in(browser, platform)
    expect(page.locator("h1")).to_have_text("Upcoming conferences")
    with app.app_context():
        host = db.session.execute(sa.select(Host).where(Host.openid_sub == "newcomer-42")
                                  ).scalar_one()
        assert (host.role, host.name, host.email, host.company_id) == \
            (HostRole.HOST, "New Comer", "newcomer@example.test", world["company"]["id"])
        host_id = host.id
        db.session.remove()
    assert _sessions(app) == [(host_id, "openid")]
    page.close()


def test_a_tampered_state_is_refused(app, browser, platform, world):
    """The state changed on its way to the provider (the provider sends back
    what it got): the callback refuses it, and nobody is signed in."""
    world["provider"].login_as(KNOWN_SUB)
    page = browser.new_page()

    def tamper(route: Any) -> None:
        # Our 303 to the provider, its session cookie and all. Fetched by
        # Playwright's driver, outside the namespace, where no *.localhost
        # name resolves: at the web's address, with the name as the Host.
        request = urlsplit(route.request.url)
        answer = route.fetch(
            url=f"http://{platform.address}:{platform.web_port}{request.path}?{request.query}",
            headers={**route.request.headers, "host": request.netloc}, max_redirects=0)
        location = answer.headers["location"]
        parts = urlsplit(location)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        query["state"] = "tampered" + query["state"][8:]
        route.fulfill(response=answer, headers={
            **answer.headers, "location": f"{location.split('?')[0]}?{urlencode(query)}"})

    page.route(lambda url: urlsplit(url).path == "/login/openid", tamper)
    page.goto(platform.url(HOST_NAME, "/login"))
    with page.expect_response(lambda r: urlsplit(r.url).path == "/login/openid/callback"
                              ) as callback:
        page.click("#openid-login")
    assert callback.value.status == 400
    expect(page.locator("h1")).to_have_text(
        "This sign-in was not started here, or has expired; start again")
    assert _sessions(app) == []
    page.close()
