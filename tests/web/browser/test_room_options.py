"""A room's options on the real meeting page (docs/room-options.md): the
banner, the welcome message with the chat hidden, the lobby a guest waits in
until a moderator lets them in, and the exit_url the page goes to on leave."""

from __future__ import annotations

from playwright.sync_api import expect

from app.extensions import db
from app.modules.meetings import integration
from app.modules.meetings.operations import running_session
from app.modules.meetings.passes import issue_pass
from app.modules.tenants.models import Company, Tenant
from app.protocol.join_token import Role


def test_a_rooms_page_shows_its_banner_and_welcome_lets_guests_in_and_leaves_to_its_exit(
        platform, browser, app, site, make_reseller, make_company):
    served, root = site
    (root / "bye.html").write_text("<!doctype html><title>Bye</title><p id='bye'>Goodbye</p>")
    company = make_company(make_reseller())
    exit_url = f"http://{company['host_name']}:{served.port}/bye.html"
    with app.app_context():
        row = db.session.get(Company, company["id"])
        assert row is not None
        tenant = Tenant.of(row)
        room, _ = integration.integration_room(tenant, "test", "exam", title="Physics", options={
            "welcome_message": "Welcome to <b>%%CONFNAME%%</b>!", "banner_text": "Exam today",
            "banner_color": "#aa0000", "hide_chat": True, "exit_url": exit_url,
            "guest_policy": "ask_moderator"})
        session = running_session(tenant, room)
        moderator = issue_pass(tenant, session, "Mo", Role.MODERATOR).key
        guest = issue_pass(tenant, session, "Gus", Role.GUEST, guest=True).key
        db.session.commit()

    host = browser.new_page()
    host.goto(platform.url(company["host_name"], f"/conf/pass/{moderator}"))
    expect(host.locator("#banner")).to_have_text("Exam today")
    expect(host.locator("#banner")).to_have_css("background-color", "rgb(170, 0, 0)")
    host.click("#join")
    expect(host.locator("#room")).to_be_visible(timeout=10_000)
    # The chat is hidden, so the welcome (its keyword replaced, its HTML read
    # as text) goes to the status line.
    expect(host.locator("#chat-form")).to_be_hidden()
    expect(host.locator("#status")).to_have_text("Welcome to Physics!")

    visitor = browser.new_page()
    visitor.goto(platform.url(company["host_name"], f"/conf/pass/{guest}"))
    visitor.click("#join")
    expect(visitor.locator("#waiting")).to_be_visible(timeout=10_000)
    expect(host.locator("#lobby-list li")).to_contain_text("Gus", timeout=10_000)
    host.locator("#lobby-list li .admit").click()
    expect(visitor.locator("#room")).to_be_visible(timeout=15_000)
    expect(host.locator("#lobby")).to_be_hidden(timeout=10_000)
    expect(host.locator("#people")).to_contain_text("Gus")

    visitor.click("#leave")
    expect(visitor.locator("#bye")).to_have_text("Goodbye", timeout=10_000)
    assert visitor.url == exit_url
    host.close()
    visitor.close()
