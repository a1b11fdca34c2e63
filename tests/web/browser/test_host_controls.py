"""A moderator (by moderator PIN) runs the meeting from the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

PIN = "4321"


@pytest.fixture
def room(platform, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company, moderator_pin=PIN)
    return platform.url(company["host_name"], f"/conf/call/{host['access_code']}")


def open_room(browser: Browser, url: str, name: str, pin: str = "") -> Page:
    page = browser.new_page()
    page.goto(url)
    page.fill("#display-name", name)
    if pin:
        page.click("summary")
        page.fill("#moderator-pin", pin)
    page.click("#join")
    return page


def test_a_moderator_removes_a_participant_locks_the_room_and_ends_it(browser, room):
    host = open_room(browser, room, "Host", PIN)
    guest = open_room(browser, room, "Guest")
    late = None
    try:
        expect(host.locator("#moderator-controls")).to_be_visible(timeout=10_000)
        expect(guest.locator("#room")).to_be_visible(timeout=10_000)
        expect(guest.locator("#moderator-controls")).to_be_hidden()
        expect(guest.locator("#people .remove")).to_have_count(0)

        host.locator("#people li", has_text="Guest").locator(".remove").click()
        expect(guest.locator("#ended-text")).to_have_text("You were removed from the meeting.")
        expect(host.locator("#people li")).to_have_count(1)

        host.click("#lock")
        expect(host.locator("#status")).to_have_text("The meeting is locked.")
        late = open_room(browser, room, "Late")
        expect(late.locator("#ended-text")).to_have_text("The meeting is locked.")

        host.click("#end")
        expect(host.locator("#ended-text")).to_have_text("The meeting has ended.")
    finally:
        for page in (host, guest, late):
            if page is not None:
                page.close()


def test_a_wrong_moderator_pin_is_refused(browser, room):
    page = open_room(browser, room, "Mallory", "0000")
    try:
        expect(page.locator("#join-error")).to_have_text("Wrong moderator PIN")
        expect(page.locator("#room")).to_be_hidden()
    finally:
        page.close()
