"""One-click SSO in Chromium: a top-level form POST and GET to /auth land in
the portal; /auth as the src of an iframe on another site (embed.localhost
framing the company's name) signs the host in there, and the host's room in
that iframe gives them the host controls without any PIN.

Chromium runs with ``--test-third-party-cookie-phaseout`` (third-party
cookies blocked, as Chrome's phase-out does): a control test shows that an
unpartitioned cookie is then not sent to the iframe, so the partitioned
(CHIPS) cookie is what makes the iframe work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Frame, Page, expect, sync_playwright

from app.extensions import db
from app.modules.hosts.models import Host, SessionVia
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE, open_host_session
from app.modules.tenants.models import Tenant
from tests.web.browser.test_embedding import allow_origins
from tests.web.portal_helpers import login_key

SECURITY_PIN = "246810"
FRAMED = """<!doctype html>
<title>Integrator</title>
<iframe id="room" src="{src}" width="900" height="600"
        allow="camera; microphone; fullscreen; display-capture; autoplay"></iframe>
"""
FORM = """<!doctype html>
<title>Integrator</title>
<form id="sso" method="post" action="{action}">
  <input type="hidden" name="host_id" value="{host_id}">
  <input type="hidden" name="login_token_public_key" value="{key}">
  <input type="hidden" name="redirect_url" value="/portal/room">
  <button id="go" type="submit">Open my portal</button>
</form>
"""


@pytest.fixture(scope="module")
def browser(netns, tmp_path_factory) -> Iterator[Browser]:
    """Chromium with third-party cookies blocked."""
    executable = netns.chromium_wrapper(tmp_path_factory.mktemp("chromium"))
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            args=[*netns.chromium_args(), "--test-third-party-cookie-phaseout"])
        yield launched
        launched.close()


@pytest.fixture
def company(platform, app, site, make_reseller, make_company, make_host, api, token_for
            ) -> dict[str, Any]:
    """A company whose embed origins include the integrator's page, with a
    host whose room asks attendees for SECURITY_PIN, and a colleague."""
    made = make_company(make_reseller(name="Acme Video"))
    embed_origin = f"http://embed.localhost:{site[0].port}"
    allow_origins(app, made["id"], [embed_origin])
    host = make_host(made)
    secured = api("room/update", made["host_name"], token_for(host), host_id=host["id"],
                  security_pin=SECURITY_PIN)
    assert secured.status_code == 200, secured.json
    return {**made, "host": host, "colleague": make_host(made), "embed_origin": embed_origin,
            "room_path": f"/conf/call/{host['access_code']}"}


def _auth_url(platform, app, company, who: dict[str, Any], key: str | None = None,
              **extra: str) -> str:
    params = {"host_id": who["id"],
              "login_token_public_key": key or login_key(app, who["id"]), **extra}
    return platform.url(company["host_name"], f"/auth?{urlencode(params)}")


def _framing(browser: Browser, site, src: str) -> tuple[Page, Frame]:
    served, root = site
    (root / "framing.html").write_text(FRAMED.replace("{src}", src))
    page = browser.new_context().new_page()
    page.goto(f"http://embed.localhost:{served.port}/framing.html")
    page.wait_for_load_state("load")
    frame = page.frame_locator("#room")
    expect(frame.locator("body")).not_to_be_empty()
    return page, next(f for f in page.frames if f is not page.main_frame)


def _join_in(frame: Frame, name: str, pin: str = "") -> None:
    frame.locator("#display-name").fill(name)
    if pin:
        frame.locator("#security-pin").fill(pin)
    frame.locator("#join").click()
    expect(frame.locator("#room")).to_be_visible(timeout=15_000)


# -- top level ------------------------------------------------------------------------


def test_a_form_post_from_the_integrators_page_lands_in_the_portal(browser, platform, app,
                                                                   site, company):
    served, root = site
    host = company["host"]
    (root / "form.html").write_text(
        FORM.replace("{action}", platform.url(company["host_name"], "/auth"))
        .replace("{host_id}", str(host["id"])).replace("{key}", login_key(app, host["id"])))
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"http://embed.localhost:{served.port}/form.html")
        page.click("#go")
        page.wait_for_url(platform.url(company["host_name"], "/portal/room"))
        expect(page.locator("#access-code")).to_have_text(host["access_code"])
        cookie = next(c for c in context.cookies() if c["name"] == HOST_SESSION_COOKIE)
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "None"
        # Stored on plain http: Chromium takes *.localhost for a secure context.
        assert cookie["partitionKey"].startswith("http://r")
    finally:
        context.close()


def test_a_top_level_get_lands_in_the_portal(browser, platform, app, company):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(_auth_url(platform, app, company, company["host"]))
        assert page.url == platform.url(company["host_name"], "/conf/calls/upcoming")
        page.goto(platform.url(company["host_name"], "/portal/profile"))
        expect(page.locator("#managed-elsewhere")).to_be_visible()  # an SSO session
        expect(page.locator("#change-password")).to_have_count(0)
    finally:
        context.close()


# -- in a cross-site iframe -----------------------------------------------------------


def test_in_an_iframe_the_host_gets_host_controls_without_a_pin(browser, platform, app, site,
                                                                company):
    after = f"{company['embed_origin']}/after.html"
    (site[1] / "after.html").write_text("<!doctype html><title>after</title><p id=after>bye")
    page, frame = _framing(browser, site, _auth_url(
        platform, app, company, company["host"], redirect_url=company["room_path"],
        after_call_url=after))
    try:
        assert frame.url == platform.url(company["host_name"], company["room_path"])
        cookie = next(c for c in page.context.cookies() if c["name"] == HOST_SESSION_COOKIE)
        assert cookie["partitionKey"] == "http://embed.localhost"
        _join_in(frame, "The Host")  # no security PIN, no moderator PIN
        expect(frame.locator("#moderator-controls")).to_be_visible()
        expect(frame.locator("#you-are-host")).to_have_text("You are the host")
        with page.expect_event("framenavigated", lambda navigated: navigated.url == after,
                               timeout=15_000):
            frame.locator("#leave").click()
    finally:
        page.context.close()


def test_another_host_of_the_company_gets_no_host_controls(browser, platform, app, site,
                                                           company):
    page, frame = _framing(browser, site, _auth_url(
        platform, app, company, company["colleague"], redirect_url=company["room_path"]))
    try:
        assert frame.url == platform.url(company["host_name"], company["room_path"])
        _join_in(frame, "A Colleague", pin=SECURITY_PIN)  # an attendee: the PIN is asked
        expect(frame.locator("#moderator-controls")).to_be_hidden()
        expect(frame.locator("#you-are-host")).to_be_hidden()
    finally:
        page.context.close()


def test_a_wrong_key_is_refused_in_the_iframe(browser, platform, app, site, company):
    page, frame = _framing(browser, site, _auth_url(
        platform, app, company, company["host"], key="0" * 64,
        redirect_url=company["room_path"]))
    try:
        expect(frame.locator("h1")).to_have_text("This login link is not valid")
        assert not [c for c in page.context.cookies() if c["name"] == HOST_SESSION_COOKIE]
    finally:
        page.context.close()


def test_an_old_rotated_key_is_refused_in_the_iframe(browser, platform, app, site, company,
                                                     api, make_host, token_for):
    from app.modules.access import HostRole

    old = login_key(app, company["host"]["id"])
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    rotated = api("host/rotate_login_token", company["host_name"], token_for(admin),
                  host_id=company["host"]["id"])
    assert rotated.status_code == 200, rotated.json
    page, frame = _framing(browser, site, _auth_url(
        platform, app, company, company["host"], key=old, redirect_url=company["room_path"]))
    try:
        expect(frame.locator("h1")).to_have_text("This login link is not valid")
        assert not [c for c in page.context.cookies() if c["name"] == HOST_SESSION_COOKIE]
    finally:
        page.context.close()


def test_a_foreign_redirect_is_refused_in_the_iframe(browser, platform, app, site, company):
    page, frame = _framing(browser, site, _auth_url(
        platform, app, company, company["host"], redirect_url="https://evil.example/"))
    try:
        expect(frame.locator("h1")).to_contain_text("redirect_url")
        assert not [c for c in page.context.cookies() if c["name"] == HOST_SESSION_COOKIE]
    finally:
        page.context.close()


def test_control_an_unpartitioned_cookie_is_not_sent_to_the_iframe(browser, platform, app,
                                                                    site, company):
    """What CHIPS is for: with third-party cookies blocked, a session cookie
    without Partitioned reaches the company's pages at top level only."""
    with app.app_context():
        host = db.session.get(Host, company["host"]["id"])
        token = open_host_session(Tenant.of(host.company), host, SessionVia.SSO)
        db.session.commit()
    served, root = site
    (root / "framing.html").write_text(
        FRAMED.replace("{src}", platform.url(company["host_name"], "/portal/room")))
    context = browser.new_context()
    context.add_cookies([{"name": HOST_SESSION_COOKIE, "value": token,
                          "domain": company["host_name"], "path": "/", "secure": True,
                          "httpOnly": True, "sameSite": "None"}])
    try:
        page = context.new_page()
        page.goto(platform.url(company["host_name"], "/portal/room"))
        expect(page.locator("#access-code")).to_be_visible()  # sent at top level
        page.goto(f"http://embed.localhost:{served.port}/framing.html")
        frame = page.frame_locator("#room")
        expect(frame.locator("input[name=password]")).to_be_visible()  # the login page
    finally:
        context.close()
