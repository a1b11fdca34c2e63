"""A moderator goes live and records from the meeting page, with a real
`confera egress` and `confera worker` next to the platform's web and node:
everyone in the meeting sees the "Live" and "Recording" badges (the web tells
the node, which tells every page), and a viewer watches the room's live
stream at /livestream/<code>, composed and encoded by the egress."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.modules.outputs.models import EgressNode, SessionOutput
from app.modules.recordings.models import Recording, RecordingState
from app.protocol.egress_api import OutputKind, OutputState
from tests.helpers import confera, free_port, settings_env, wait_until
from tests.web.browser.conftest import MODERATOR_PIN, open_room


@pytest.fixture(scope="module")
def egress_and_worker(platform, settings) -> Iterator[None]:
    """An egress process (on the veth address, as the node) and a worker, for this module."""
    port = free_port()
    web_url = f"http://{platform.address}:{platform.web_port}"
    egress = confera("egress", env=settings_env(
        settings, WEB_URL=web_url, STORAGE_URL=settings.resolved_storage_url,
        EGRESS_ID="browser-egress", EGRESS_PORT=str(port),
        EGRESS_LISTEN_HOST=platform.address, EGRESS_ICE_ADDRESSES=platform.address,
        EGRESS_HEARTBEAT_SECONDS="1", EGRESS_X264_PRESET="ultrafast", EGRESS_FPS="15"))
    worker = confera("worker", env=settings_env(settings, JOB_POLL_SECONDS="0.2",
                                                JOB_RETRY_BASE_SECONDS="0.5"))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://{platform.address}:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if egress.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the egress did not start")
            time.sleep(0.2)
        yield
    finally:
        for process in (egress, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def egress_registered(app) -> bool:
    with app.app_context():
        return db.session.execute(sa.select(EgressNode.id)).first() is not None


def output_states(app) -> dict[OutputKind, OutputState]:
    with app.app_context():
        return {o.kind: o.state for o in db.session.execute(sa.select(SessionOutput)).scalars()}


def recording_states(app) -> list[RecordingState]:
    with app.app_context():
        return list(db.session.execute(sa.select(Recording.state)).scalars())


def test_going_live_and_recording_shows_everyone_the_badges_and_viewers_the_stream(
        app, browser, platform, moderated_room, egress_and_worker):
    wait_until(lambda: egress_registered(app), "the egress registers", timeout=15)
    host = open_room(browser, moderated_room, "Host", MODERATOR_PIN)
    guest = open_room(browser, moderated_room, "Guest")
    viewer = None
    try:
        expect(host.locator("#moderator-controls")).to_be_visible(timeout=10_000)
        expect(guest.locator("#room")).to_be_visible(timeout=10_000)
        expect(guest.locator("#live-badge")).to_be_hidden()
        expect(guest.locator("#live")).to_be_hidden()  # moderators' buttons only

        host.click("#live")
        expect(guest.locator("#live-badge")).to_be_visible(timeout=20_000)
        expect(host.locator("#live-badge")).to_be_visible()
        expect(host.locator("#live")).to_have_text("Stop live stream")
        wait_until(lambda: output_states(app).get(OutputKind.HLS) is OutputState.LIVE,
                   "the egress reports the live stream live", timeout=30)

        viewer = browser.new_page()
        viewer.goto(moderated_room.replace("/conf/call/", "/livestream/"))
        expect(viewer.locator("#live-badge")).to_be_visible(timeout=20_000)
        viewer.wait_for_function(
            "() => document.getElementById('player').currentTime > 1", timeout=30_000)

        host.click("#record")
        expect(guest.locator("#recording-badge")).to_be_visible(timeout=20_000)

        host.click("#live")
        expect(guest.locator("#live-badge")).to_be_hidden(timeout=20_000)
        expect(guest.locator("#recording-badge")).to_be_visible()
        host.click("#record")
        expect(guest.locator("#recording-badge")).to_be_hidden(timeout=20_000)
        wait_until(lambda: output_states(app) == {OutputKind.HLS: OutputState.STOPPED,
                                                  OutputKind.RECORDING: OutputState.STOPPED},
                   "the egress stops both", timeout=30)
        # The worker assembles what the egress wrote into the published recording.
        wait_until(lambda: recording_states(app) == [RecordingState.PUBLISHED],
                   "the recording is published", timeout=30)
    finally:
        for page in (host, guest, viewer):
            if page is not None:
                page.close()
