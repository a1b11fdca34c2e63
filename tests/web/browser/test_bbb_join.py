"""A BBB client's join URLs in headless Chromium: the unchanged
bigbluebutton-api-python library creates the meeting on the real web, and
its join URLs land in the room, as moderator with the moderator password and
as attendee with the attendee password; once they are in, isMeetingRunning
is true, and end from the library ends the page's meeting."""

from __future__ import annotations

from typing import Any

import pytest
from bigbluebutton_api_python import BigBlueButton
from playwright.sync_api import expect

from tests.api.bbb.served import resolve_to_loopback
from tests.api.bbb.signing import company_secret
from tests.helpers import wait_until


def test_bbb_join_urls_land_in_the_room_as_moderator_and_attendee(
        platform: Any, browser: Any, app: Any, make_reseller: Any, make_company: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    company = make_company(make_reseller())
    host_name = company["host_name"]
    resolve_to_loopback(monkeypatch, host_name, address=platform.address)
    bbb = BigBlueButton(platform.url(host_name, "/bigbluebutton/api/"),
                        company_secret(app, company))
    bbb.create_meeting("bbb-room", params={"name": "Seminar", "attendeePW": "ap",
                                           "moderatorPW": "mp"})

    moderator = browser.new_page()
    moderator.goto(bbb.get_join_meeting_url("Mo", "bbb-room", "mp", params={}))
    moderator.click("#join")
    expect(moderator.locator("#room")).to_be_visible(timeout=10_000)
    expect(moderator.locator("#moderator-controls")).to_be_visible(timeout=10_000)

    attendee = browser.new_page()
    attendee.goto(bbb.get_join_meeting_url("Ada", "bbb-room", "ap", params={}))
    attendee.click("#join")
    expect(attendee.locator("#room")).to_be_visible(timeout=10_000)
    expect(attendee.locator("#moderator-controls")).to_be_hidden()
    expect(moderator.locator("#people li")).to_have_count(2, timeout=10_000)

    # The node reports them in: BBB's meeting now runs.
    wait_until(lambda: bbb.is_meeting_running("bbb-room").is_meeting_running(),
               "isMeetingRunning true once someone joined")

    def names() -> list[str]:  # as the node reports each of them in
        return sorted(str(a.get_fullname())
                      for a in bbb.get_meeting_info("bbb-room").get_attendees())

    wait_until(lambda: names() == ["Ada", "Mo"], "both listed by getMeetingInfo")

    bbb.end_meeting("bbb-room", "mp")
    expect(attendee.locator("#ended-text")).to_have_text("The meeting has ended.",
                                                         timeout=10_000)
    assert bbb.is_meeting_running("bbb-room").is_meeting_running() is False
    moderator.close()
    attendee.close()
