"""The meeting page in headless Chromium: two people meet, talk and chat."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

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
