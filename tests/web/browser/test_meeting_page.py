"""The meeting page in headless Chromium: two people meet, talk and chat."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.modules.tenants.models import Company

REMOTE_VIDEO_PLAYS = """async () => {
  const video = document.querySelector('.tile:not(.self) video');
  if (!video || !video.srcObject || video.videoWidth === 0) return false;
  const before = video.currentTime;
  await new Promise((resolve) => setTimeout(resolve, 500));
  return video.currentTime > before;
}"""
REMOTE_AUDIO_FLOWS = """async () => {
  // Listen to the other person: Chromium's fake microphone beeps every second.
  const video = document.querySelector('.tile:not(.self) video');
  const tracks = video && video.srcObject ? video.srcObject.getAudioTracks() : [];
  if (!tracks.length) return false;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  context.createMediaStreamSource(new MediaStream(tracks)).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let peak = 0;
  for (let i = 0; i < 25; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    analyser.getFloatTimeDomainData(samples);
    for (const value of samples) peak = Math.max(peak, Math.abs(value));
  }
  await context.close();
  return peak > 0.01;
}"""


@pytest.fixture
def room(platform, make_reseller, make_company, make_host):
    company = make_company(make_reseller(name="Acme Video"))
    host = make_host(company)
    return {"url": platform.url(company["host_name"], f"/conf/call/{host['access_code']}"),
            "company": company, "host": host}


def join(page: Page, url: str, name: str) -> None:
    page.goto(url)
    page.fill("#display-name", name)
    page.click("#join")
    expect(page.locator("#room")).to_be_visible(timeout=10_000)


def wait_true(page: Page, script: str, timeout_s: float = 30.0) -> None:
    page.wait_for_function(f"({script})()", timeout=timeout_s * 1000, polling=250)


def test_two_people_see_and_hear_each_other_and_chat(browser: Browser, room, artifacts):
    ann, bob = browser.new_page(), browser.new_page()
    try:
        join(ann, room["url"], "Ann")
        join(bob, room["url"], "Bob")
        for page in (ann, bob):
            wait_true(page, REMOTE_VIDEO_PLAYS)
            wait_true(page, REMOTE_AUDIO_FLOWS)
        expect(ann.locator(".tile .name")).to_have_text(["Ann", "Bob"])

        ann.fill("#chat-text", "hello Bob")
        ann.press("#chat-text", "Enter")
        expect(bob.locator("#chat li")).to_have_text(["Ann: hello Bob"])
        bob.fill("#chat-text", "hi Ann")
        bob.press("#chat-text", "Enter")
        expect(ann.locator("#chat li")).to_have_text(["Ann: hello Bob", "Bob: hi Ann"])
        ann.screenshot(path=str(artifacts / "meeting-grid.png"))

        bob.click("#leave")
        expect(bob.locator("#ended-text")).to_have_text("You left the meeting.")
        expect(ann.locator(".tile")).to_have_count(1)
    finally:
        ann.close()
        bob.close()


def test_an_unknown_room_is_a_clear_page(browser: Browser, platform, room):
    page = browser.new_page()
    try:
        answer = page.goto(platform.url(room["company"]["host_name"], "/conf/call/123456789"))
        assert answer is not None and answer.status == 404
        expect(page.locator("body")).to_contain_text("No meeting room has this address")
    finally:
        page.close()


def test_url_parameters_join_at_once_in_a_strip_with_controls_hidden(browser: Browser, room,
                                                                      artifacts):
    bob = browser.new_page()
    ann = browser.new_page(viewport={"width": 800, "height": 200})
    try:
        join(bob, room["url"], "Bob")
        ann.goto(room["url"] + "?name=Ann&autojoin=1&layout=strip&hide=chat,people"
                 "&mic=off&color=%23ff8800")
        expect(ann.locator("#room")).to_be_visible(timeout=10_000)
        wait_true(ann, REMOTE_VIDEO_PLAYS)
        expect(ann.locator("header")).to_be_hidden()
        expect(ann.locator("#chat-form")).to_be_hidden()
        expect(ann.locator("#mic")).to_have_attribute("aria-pressed", "true")
        expect(bob.locator(".tile .name")).to_have_text(["Bob", "Ann"])
        height = ann.locator(".tile").first.bounding_box()["height"]
        assert height <= 100, height
        ann.screenshot(path=str(artifacts / "meeting-strip.png"))
    finally:
        ann.close()
        bob.close()


SCREEN_PLAYS = """async () => {
  const video = document.querySelector('.tile.screen:not([hidden]) video');
  if (!video || video.videoWidth !== 1280) return false;
  const before = video.currentTime;
  await new Promise((resolve) => setTimeout(resolve, 500));
  return video.currentTime > before;
}"""


def test_a_shared_screen_shows_as_its_own_tile_until_sharing_stops(browser: Browser, room,
                                                                    artifacts):
    ann, bob = browser.new_page(), browser.new_page()
    try:
        join(ann, room["url"], "Ann")
        join(bob, room["url"], "Bob")
        wait_true(bob, REMOTE_VIDEO_PLAYS)
        ann.click("#screen")  # Chromium's fake capture: a 1280x720 screen
        expect(ann.locator("#screen")).to_have_attribute("aria-pressed", "true")
        wait_true(bob, SCREEN_PLAYS)
        expect(bob.locator(".tile.screen .name")).to_have_text("Ann's screen")
        bob.screenshot(path=str(artifacts / "meeting-screen-share.png"))
        ann.click("#screen")
        expect(bob.locator(".tile.screen")).to_be_hidden()
        ann.click("#screen")  # again: the same slot carries the new capture
        wait_true(bob, SCREEN_PLAYS)
        wait_true(bob, REMOTE_VIDEO_PLAYS)  # the camera went on all along
    finally:
        ann.close()
        bob.close()


def test_switching_camera_mid_call_keeps_the_others_picture(browser: Browser, room):
    ann, bob = browser.new_page(), browser.new_page()
    try:
        join(ann, room["url"], "Ann")
        join(bob, room["url"], "Bob")
        wait_true(bob, REMOTE_VIDEO_PLAYS)
        cameras = ann.locator("#camera-switch option")
        expect(cameras).to_have_count(2)
        ann.click("#devices")
        ann.select_option("#camera-switch", index=1)
        second = cameras.nth(1).get_attribute("value")
        ann.wait_for_function(
            """(id) => document.querySelector('.tile.self video').srcObject
                 .getVideoTracks()[0].getSettings().deviceId === id""", arg=second)
        ann.click("#device-dialog button")
        wait_true(bob, REMOTE_VIDEO_PLAYS)
        microphones = ann.locator("#microphone-switch option")
        assert microphones.count() >= 2
        ann.click("#devices")
        ann.select_option("#microphone-switch", index=1)
        ann.click("#device-dialog button")
        wait_true(bob, REMOTE_AUDIO_FLOWS)
    finally:
        ann.close()
        bob.close()


def test_the_page_speaks_the_language_asked_for(browser: Browser, room):
    page = browser.new_page()
    try:
        page.goto(room["url"] + "?lang=de")
        expect(page.locator("#join")).to_have_text("Beitreten")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        page.goto(room["url"] + "?lang=klingon")
        expect(page.locator("#join")).to_have_text("Join")
    finally:
        page.close()


def test_after_the_call_the_page_goes_to_the_companys_after_call_url(browser: Browser, app,
                                                                      room, site):
    served, root = site
    (root / "thanks.html").write_text("<!doctype html><title>Thanks</title><p>Thank you!")
    thanks = f"http://shop.localhost:{served.port}/thanks.html"
    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == room["company"]["id"])
                           .values(meeting_defaults={"after_call_url": thanks}))
        db.session.commit()
    page = browser.new_page()
    try:
        join(page, room["url"], "Ann")
        page.click("#leave")
        page.wait_for_url(thanks, timeout=10_000)
        expect(page.locator("p")).to_have_text("Thank you!")
    finally:
        page.close()
