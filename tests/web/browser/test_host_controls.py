"""A moderator (by moderator PIN) runs the meeting from the page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.modules.meetings.models import MeetingSession, Participant
from app.protocol.signalling import MuteMode
from tests.helpers import wait_until
from tests.web.browser.conftest import MODERATOR_PIN, open_room


def removed(app) -> list[str]:
    """Who may not resume (the web commits the kick as the page reacts to it)."""
    with app.app_context():
        return list(db.session.execute(
            sa.select(Participant.display_name).where(Participant.removed_at.is_not(None))
        ).scalars())


def session_row(app) -> MeetingSession:
    with app.app_context():
        return db.session.execute(sa.select(MeetingSession)).scalar_one()


def test_a_moderator_removes_a_participant_locks_the_room_and_ends_it(browser, moderated_room, app):
    host = open_room(browser, moderated_room, "Host", MODERATOR_PIN)
    guest = open_room(browser, moderated_room, "Guest")
    late = None
    try:
        expect(host.locator("#moderator-controls")).to_be_visible(timeout=10_000)
        expect(guest.locator("#room")).to_be_visible(timeout=10_000)
        expect(guest.locator("#moderator-controls")).to_be_hidden()
        expect(guest.locator("#people .remove")).to_have_count(0)

        host.locator("#people li", has_text="Guest").locator(".remove").click()
        expect(guest.locator("#ended-text")).to_have_text("You were removed from the meeting.")
        expect(host.locator("#people li")).to_have_count(1)
        wait_until(lambda: removed(app) == ["Guest"], "the web remembers who was removed")

        host.click("#lock")
        expect(host.locator("#status")).to_have_text("The meeting is locked.")
        late = open_room(browser, moderated_room, "Late")
        expect(late.locator("#ended-text")).to_have_text("The meeting is locked.")

        host.click("#end")
        expect(host.locator("#ended-text")).to_have_text("The meeting has ended.")
    finally:
        for page in (host, guest, late):
            if page is not None:
                page.close()


def test_a_wrong_moderator_pin_is_refused(browser, moderated_room):
    page = open_room(browser, moderated_room, "Mallory", "0000")
    try:
        expect(page.locator("#join-error")).to_have_text("Wrong moderator PIN")
        expect(page.locator("#room")).to_be_hidden()
    finally:
        page.close()


@pytest.fixture
def pin_room(platform, make_reseller, make_company, make_host, api, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    host = make_host(company, moderator_pin=MODERATOR_PIN)
    answer = api("room/update", company["host_name"], token_for(reseller["admin"]),
                 host_id=host["id"], security_pin="246813")
    assert answer.status_code == 200, answer.json
    return platform.url(company["host_name"], f"/conf/call/{host['access_code']}")


def test_the_meeting_pin_is_asked_and_checked(browser, pin_room):
    wrong = open_room(browser, pin_room, "Mallory", meeting_pin="1111")
    right = open_room(browser, pin_room, "Ann", meeting_pin="246813")
    try:
        expect(wrong.locator("#join-error")).to_have_text("Wrong meeting PIN")
        expect(wrong.locator("#room")).to_be_hidden()
        expect(right.locator("#room")).to_be_visible(timeout=10_000)
    finally:
        wrong.close()
        right.close()


def test_presentation_mode_keeps_attendees_muted(browser, moderated_room, app):
    host = open_room(browser, moderated_room, "Host", MODERATOR_PIN)
    guest = open_room(browser, moderated_room, "Guest")
    try:
        expect(guest.locator("#room")).to_be_visible(timeout=10_000)
        expect(guest.locator("#mic")).to_be_enabled()
        expect(host.locator("#people li")).to_have_count(2, timeout=10_000)
        host.select_option("#mute-mode", "presentation")
        expect(guest.locator("#status")).to_have_text(
            "Presentation: only moderators may speak.")
        expect(guest.locator("#mic")).to_be_disabled()
        expect(guest.locator("#mic")).to_have_attribute("aria-pressed", "true")
        wait_until(lambda: session_row(app).mute_mode is MuteMode.PRESENTATION,
                   "the web keeps the mode for the session's next node")
        # A tampered page gets past the button, not past the node.
        guest.evaluate("document.getElementById('mic').disabled = false")
        guest.click("#mic")
        expect(guest.locator("#status")).to_contain_text("only moderators may speak")
        expect(host.locator("#mic")).to_be_enabled()

        late = open_room(browser, moderated_room, "Late")  # a new session member learns the mode
        try:
            expect(late.locator("#room")).to_be_visible(timeout=10_000)
            expect(late.locator("#mic")).to_be_disabled()
        finally:
            late.close()
        host.select_option("#mute-mode", "conversation")
        expect(guest.locator("#mic")).to_be_enabled()
    finally:
        host.close()
        guest.close()


def test_in_q_and_a_a_raised_hand_is_let_speak(browser, moderated_room):
    host = open_room(browser, moderated_room, "Host", MODERATOR_PIN)
    guest = open_room(browser, moderated_room, "Guest")
    try:
        expect(guest.locator("#room")).to_be_visible(timeout=10_000)
        expect(host.locator("#people li")).to_have_count(2, timeout=10_000)
        host.select_option("#mute-mode", "qa")
        expect(guest.locator("#mic")).to_be_disabled()
        guest.click("#hand")
        guest_item = host.locator("#people li", has_text="Guest")
        expect(guest_item).to_have_class(re.compile("hand-raised"))
        guest_item.locator(".allow-speak").click()
        expect(guest.locator("#mic")).to_be_enabled()
        expect(guest.locator("#hand")).to_have_attribute("aria-pressed", "false")
        expect(guest_item).not_to_have_class(re.compile("hand-raised"))
        guest.click("#mic")
        expect(guest.locator("#mic")).to_have_attribute("aria-pressed", "false")
        guest_item.locator(".allow-speak").click()  # and take it back
        expect(guest.locator("#mic")).to_be_disabled()
        expect(guest.locator("#mic")).to_have_attribute("aria-pressed", "true")
    finally:
        host.close()
        guest.close()
