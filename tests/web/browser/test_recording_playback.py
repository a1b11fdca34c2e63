"""A recording plays in Chromium from the portal: 20 s of real fragmented-MP4
chunks, assembled by the worker into a faststart MP4 in the local storage
folder, served by `confera web` through its signed, expiring /files link;
the <video> knows its 20 s at once, plays, and seeks (Range requests)."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.sync_api import expect

from app.extensions import db, settings
from app.jobs.worker import Worker
from app.modules.hosts.models import Host
from app.modules.meetings.operations import personal_room, running_session
from app.modules.recordings import operations
from app.modules.tenants.models import Tenant
from app.storage import storage_for
from tests.modules.recordings.media import fragmented_mp4, store_chunks
from tests.web.portal_helpers import login_key


def test_a_host_plays_and_seeks_a_recording_in_the_portal(
        platform, browser, app, make_reseller, make_company, make_host):
    company = make_company(make_reseller())
    host = make_host(company)
    with app.app_context():
        model = db.session.get_one(Host, host["id"])
        tenant = Tenant.of(model.company)
        recording = operations.begin_recording(
            tenant, running_session(tenant, personal_room(tenant, model)), False)
        store_chunks(storage_for(settings()), recording.storage_prefix, fragmented_mp4(20.0))
        operations.recording_stopped(recording.id, {})
        db.session.commit()
        public_id = recording.public_id
    Worker(app).run_until_idle()

    page = browser.new_page()
    page.goto(platform.url(company["host_name"], "/auth?" + urlencode({
        "host_id": host["id"], "login_token_public_key": login_key(app, host["id"]),
        "redirect_url": "/portal/recordings"})))
    video = page.locator(f"#recording-{public_id} video")
    expect(video).to_have_count(1)
    assert video.get_attribute("src").startswith(
        platform.url(company["host_name"], "/files/"))

    # The index comes first (faststart): the duration is known from the metadata.
    page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle())
    assert abs(video.evaluate("v => v.duration") - 20.0) < 2.0
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 1.0", arg=video.element_handle(),
                           timeout=15_000)
    video.evaluate("v => { v.currentTime = 15; }")  # a Range request into the file
    page.wait_for_function("v => v.currentTime > 15.5 && !v.paused", arg=video.element_handle(),
                           timeout=15_000)
    assert video.evaluate("v => v.error") is None
