"""A host's password link in a real browser: the token rides in the
fragment, which Chromium never sends; the page's own script (the only kind
its Content-Security-Policy allows) puts it into the form and takes it out
of the address bar (issue S, item 7)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Browser, expect

from app.extensions import db
from app.modules.hosts.credentials import create_password_link
from app.modules.hosts.models import Host
from app.modules.tenants.models import Tenant

NEW_PASSWORD = "brand-new-secret-1"


def test_the_link_sets_the_password_and_no_request_carries_the_token(
        app, platform, browser: Browser, make_reseller, make_company, make_host, api):
    company = make_company(make_reseller(name="Acme Video"))
    host = make_host(company)
    with app.app_context():
        model = db.session.get(Host, host["id"])
        token = urlsplit(create_password_link(Tenant.of(model.company), model)).fragment
        db.session.commit()
    page = browser.new_page()
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url + (request.post_data or "")))
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(platform.url(company["host_name"], f"/password/set#{token}"))
    expect(page.locator("#token")).to_have_value(token)
    assert "#" not in page.url  # out of the address bar and the history
    page.fill("#password", NEW_PASSWORD)
    page.fill("#password_confirm", NEW_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Your password is set")

    assert not refusals, refusals  # the page's policy refused nothing
    in_urls = [url for url in sent if token in url.split("token=")[0]]
    assert not in_urls, in_urls  # only the form's body carries it
    assert api("authenticate", company["host_name"], email=host["email"],
               password=NEW_PASSWORD).status_code == 200
