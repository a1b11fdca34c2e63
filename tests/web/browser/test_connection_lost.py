"""The connection is lost and no media node comes back in time: the page
gives up, and the embedding page learns why (reason ``timeout``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.browser.test_embedding import allow_origins, embed, joined_in_frame, wait_event

WEB_ENV = {"MEETING_RECONNECT_SECONDS": "4"}  # the platform fixture reads it


@pytest.fixture
def room(platform, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company)
    return {"url": platform.url(company["host_name"], f"/conf/call/{host['access_code']}"),
            "company": company}


def test_a_call_that_cannot_be_restored_ends_with_timeout(browser, app, platform, site, room):
    allow_origins(app, room["company"]["id"], [f"http://embed.localhost:{site[0].port}"])
    page = embed(browser, site, room, "embed.localhost")
    try:
        joined_in_frame(page, "Ann")
        frame = page.frame_locator("#room")
        [node] = platform.nodes
        node.stop()  # and no other node: every try to get back in fails
        expect(frame.locator("#status")).to_have_text("Connection lost: reconnecting…")
        event = wait_event(page, "vivomeetingsLeaveCallEvent")
        assert event["data"]["reason"] == "timeout"
        expect(frame.locator("#ended-text")).to_have_text(
            "The connection to the meeting was lost and could not be restored.")
    finally:
        page.close()
