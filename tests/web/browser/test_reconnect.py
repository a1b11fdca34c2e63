"""A media node goes away mid-call: the pages find the meeting again, on
another node, as the same people."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, expect

from tests.web.browser.conftest import MODERATOR_PIN, open_room
from tests.web.browser.test_meeting_page import REMOTE_VIDEO_PLAYS, join, wait_true


def test_the_call_survives_its_media_node_stopping(browser: Browser, platform,
                                                   moderated_room):
    room = moderated_room
    bob = browser.new_page()
    ann = late = None
    try:
        ann = open_room(browser, room, "Ann", moderator_pin=MODERATOR_PIN)
        expect(ann.locator("#moderator-controls")).to_be_visible(timeout=10_000)
        join(bob, room, "Bob")
        for page in (ann, bob):
            wait_true(page, REMOTE_VIDEO_PLAYS)
        ann.click("#hand")
        ann.click("#mic")  # muted before: muted after
        ann.click("#lock")  # locked before: locked after, on the next node too
        expect(bob.locator("#status")).to_have_text("The meeting is locked.")
        [first] = platform.nodes
        platform.start_node("browser-node-2")
        first.stop()  # draining: it tells the web, then closes every call with 1001

        for page in (ann, bob):
            expect(page.locator("#status")).to_have_text("Reconnected.", timeout=30_000)
            wait_true(page, REMOTE_VIDEO_PLAYS)
            expect(page.locator(".tile .name")).to_have_count(2)
            expect(page.locator("#people li")).to_have_count(2)
        expect(bob.locator(".tile.hand-raised .name")).to_have_text("Ann")
        expect(ann.locator("#mic")).to_have_attribute("aria-pressed", "true")
        late = open_room(browser, room, "Late")
        expect(late.locator("#ended-text")).to_have_text("The meeting is locked.")
        bob.click("#leave")
        expect(ann.locator(".tile")).to_have_count(1)
    finally:
        for page in (ann, bob, late):
            if page is not None:
                page.close()


def test_pages_whose_media_node_is_killed_are_back_on_another_within_5_s(browser: Browser,
                                                                          platform,
                                                                          moderated_room):
    """No goodbye (SIGKILL): the pages rejoin at once, and the web, probing
    the node their tokens name, places the meeting elsewhere."""
    doomed = [node for node in platform.nodes if node.proc.poll() is None]
    ann = bob = None
    try:
        ann = open_room(browser, moderated_room, "Ann", moderator_pin=MODERATOR_PIN)
        bob = open_room(browser, moderated_room, "Bob")
        for page in (ann, bob):
            wait_true(page, REMOTE_VIDEO_PLAYS)
        platform.start_node(f"browser-node-{len(platform.nodes) + 1}")
        killed_at = time.monotonic()
        for node in doomed:
            node.proc.kill()

        for page in (ann, bob):
            expect(page.locator("#status")).to_have_text("Reconnected.", timeout=10_000)
        back_within = time.monotonic() - killed_at
        assert back_within < 5, f"back after {back_within:.1f} s"
        for page in (ann, bob):
            wait_true(page, REMOTE_VIDEO_PLAYS)
            expect(page.locator(".tile .name")).to_have_count(2)
    finally:
        for page in (ann, bob):
            if page is not None:
                page.close()
