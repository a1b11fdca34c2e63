"""A scheduled room in Chromium: its waiting page counts down and opens the
meeting by itself; a moderator's invitation link gives the host controls."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, expect

from app.core.db import utcnow
from app.extensions import db
from app.modules.hosts.models import Host
from app.modules.meetings.scheduling import (
    RoomPlan,
    moderator_url,
    room_url,
    schedule_room,
    set_moderators,
)
from app.modules.settings.operations import PLATFORM_DEFAULTS
from app.modules.tenants.models import Company, Tenant
from tests.web.browser.conftest import open_room


def _schedule(app, company_info, host_info, opens_in: timedelta) -> tuple[str, str]:
    """A scheduled room that opens ``opens_in`` from now: its URL and a
    moderator's link, on the platform's public address."""
    early = timedelta(minutes=PLATFORM_DEFAULTS["early_join_minutes"])
    with app.app_context():
        company = Tenant.of(db.session.get(Company, company_info["id"]))
        host = db.session.get(Host, host_info["id"])
        room = schedule_room(company, host, RoomPlan(
            starts_at=utcnow() + early + opens_in, duration_minutes=30, security_pin="8642",
            mute_mode=None, auto_record="none", own_code=True, title="Board meeting"))
        set_moderators(company, room, ["chair@example.com"])
        urls = room_url(company, room), moderator_url(company, room, "chair@example.com")
        db.session.commit()
    return urls


def _on_platform(platform, company_info, url: str) -> str:
    path = url.split(company_info["host_name"], 1)[1].split("/", 1)[1]
    return platform.url(company_info["host_name"], "/" + path)


def test_the_waiting_page_opens_the_meeting_when_the_room_opens(
        browser: Browser, platform, app, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company)
    url, _ = _schedule(app, company, host, opens_in=timedelta(seconds=4))
    page = browser.new_page()
    try:
        page.goto(_on_platform(platform, company, url))
        expect(page.locator("h1")).to_have_text("Board meeting")
        expect(page.locator("#countdown")).to_have_text("0:03", timeout=3_000)
        expect(page.locator("#join-form")).to_be_visible(timeout=10_000)
        expect(page.locator("#security-pin")).to_be_visible()
    finally:
        page.close()


def test_a_moderators_invitation_link_gives_the_host_controls_without_the_pin(
        browser: Browser, platform, app, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company)
    url, invited = _schedule(app, company, host, opens_in=-timedelta(minutes=1))
    chair = open_room(browser, _on_platform(platform, company, invited), "Chair")
    guest = open_room(browser, _on_platform(platform, company, url), "Guest",
                      meeting_pin="8642")
    try:
        expect(chair.locator("#moderator-controls")).to_be_visible(timeout=10_000)
        expect(guest.locator("#room")).to_be_visible(timeout=10_000)
        expect(guest.locator("#moderator-controls")).to_be_hidden()
    finally:
        chair.close()
        guest.close()
