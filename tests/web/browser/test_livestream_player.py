"""The live-stream player in Chromium: hls.js (from npm) plays
/livestream/<code> from segments in the platform's storage folder (written
here with PyAV, so no egress is needed), inside an iframe on an allowed
origin too, and a page opened before the stream turns live by itself."""

from __future__ import annotations

import pathlib
import secrets
import threading

import pytest
from playwright.sync_api import Browser, Page, expect

from app.core.db import utcnow
from app.extensions import db
from app.extensions import settings as current_settings
from app.modules.hosts.models import Host
from app.modules.meetings.operations import personal_room, running_session
from app.modules.outputs.models import EgressNode, SessionOutput
from app.modules.tenants.models import Company, Tenant
from app.protocol.egress_api import OutputKind, OutputState
from app.storage import storage_for
from tests.web.browser.hls_stream import live_playlist, make_segments
from tests.web.browser.test_embedding import allow_origins

EMBED_PAGE = """<!doctype html>
<title>Integrator</title>
<iframe id="player" src="{src}" width="640" height="400"
        allow="autoplay; fullscreen"></iframe>
"""


@pytest.fixture(scope="module")
def segments(tmp_path_factory) -> tuple[pathlib.Path, list[str]]:
    folder = tmp_path_factory.mktemp("hls")
    return folder, make_segments(folder, seconds=40)


@pytest.fixture
def stream(app, platform, make_reseller, make_company, make_host, segments):
    """A room whose live stream has started (the egress row stands in for a
    process); publish() writes a few segments and the playlist into storage,
    then one more segment a second, as an egress does."""
    company = make_company(make_reseller(name="Acme Video"))
    host = make_host(company)
    with app.app_context():
        tenant = Tenant.of(db.session.get(Company, company["id"]))
        room = personal_room(tenant, db.session.get(Host, host["id"]))
        session = running_session(tenant, room)
        now = utcnow()
        egress = EgressNode(egress_id=f"egress-{secrets.token_hex(4)}",
                            control_url="http://127.0.0.1:9", started_at=now,
                            last_heartbeat_at=now)
        public_id = secrets.token_urlsafe(12)
        prefix = f"{company['id']}/live/{public_id}"
        db.session.add(SessionOutput(public_id=public_id, company_id=company["id"],
                                     session_id=session.id, kind=OutputKind.HLS,
                                     state=OutputState.STARTING, egress_node=egress,
                                     storage_prefix=prefix))
        db.session.commit()
    stop = threading.Event()
    folder, names = segments

    def write(count: int) -> None:
        with app.app_context():
            store = storage_for(current_settings())
            store.put_file(f"{prefix}/{names[count - 1]}", folder / names[count - 1],
                           "video/mp2t")
            store.put_bytes(f"{prefix}/live.m3u8", live_playlist(names[:count]).encode(),
                            "application/vnd.apple.mpegurl")

    def keep_writing() -> None:
        for count in range(5, len(names) + 1):
            if stop.wait(1.0):
                return
            write(count)

    def publish() -> None:
        for count in range(1, 5):
            write(count)
        threading.Thread(target=keep_writing, daemon=True).start()

    yield {"url": platform.url(company["host_name"], f"/livestream/{host['access_code']}"),
           "company": company, "publish": publish}
    stop.set()


def wait_playing(frame, seconds: float = 1.0) -> None:
    """``currentTime`` advances by ``seconds`` while the page plays."""
    frame.wait_for_function("() => document.getElementById('player').currentTime > 0",
                            timeout=20_000)
    start = frame.evaluate("() => document.getElementById('player').currentTime")
    frame.wait_for_function(
        f"() => document.getElementById('player').currentTime > {start + seconds}",
        timeout=20_000)


def test_the_player_plays_the_live_stream_through_hls_js(browser: Browser, stream):
    stream["publish"]()
    page = browser.new_page()
    page.goto(stream["url"])
    expect(page.locator("#live-badge")).to_be_visible(timeout=10_000)
    assert page.evaluate("() => window.Hls.isSupported()")
    wait_playing(page)
    player = page.locator("#player")
    assert player.evaluate("(video) => video.muted")  # autoplay is allowed muted
    assert player.evaluate("(video) => video.videoWidth") == 320
    page.click("#unmute")
    assert not player.evaluate("(video) => video.muted")
    expect(page.locator("#unmute")).to_have_text("Mute")
    # Segments came from storage links (/files/...), never from the page's own views.
    urls = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)")
    assert any("/files/" in url and url.endswith(".ts") for url in urls), urls
    page.close()


def test_a_page_opened_before_the_stream_turns_live_by_itself(browser: Browser, stream):
    page = browser.new_page()
    page.goto(stream["url"])
    expect(page.locator("#message")).to_contain_text("not started yet")
    expect(page.locator("#player")).to_be_hidden()
    stream["publish"]()
    expect(page.locator("#live-badge")).to_be_visible(timeout=15_000)
    wait_playing(page)
    page.close()


def test_the_player_plays_inside_an_iframe_on_an_allowed_origin(app, browser: Browser, stream,
                                                                 site):
    served, root = site
    origin = f"http://embed.localhost:{served.port}"
    allow_origins(app, stream["company"]["id"], [origin])
    stream["publish"]()
    (root / "embed.html").write_text(EMBED_PAGE.replace("{src}", stream["url"]))
    page = browser.new_page()
    page.goto(f"{origin}/embed.html")
    frame = page.frame_locator("#player")
    expect(frame.locator("#live-badge")).to_be_visible(timeout=15_000)
    wait_playing(page.frames[1])
    page.close()


def test_a_site_not_allowed_cannot_frame_the_player(app, browser: Browser, stream, site):
    served, root = site
    allow_origins(app, stream["company"]["id"], [f"http://embed.localhost:{served.port}"])
    stream["publish"]()
    (root / "embed.html").write_text(EMBED_PAGE.replace("{src}", stream["url"]))
    page: Page = browser.new_page()
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    try:
        page.goto(f"http://evil.localhost:{served.port}/embed.html")
        page.wait_for_timeout(1500)
        frame = next(f for f in page.frames if f is not page.main_frame)
        assert frame.locator("#stage").count() == 0, "the player rendered inside the frame"
        assert any("frame-ancestors" in text for text in refusals), refusals
    finally:
        page.close()
