"""The room inside an iframe of an integrator's page: what the page is told,
and who may frame the room at all (CSP frame-ancestors)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.models import MediaNode
from app.modules.tenants.models import Company
from app.protocol import node_api

EMBED_PAGE = """<!doctype html>
<title>Integrator</title>
<script>
  window.events = [];
  addEventListener('message', (event) => window.events.push({origin: event.origin,
                                                             data: event.data}));
</script>
<iframe id="room" src="{src}" width="900" height="600"
        allow="camera; microphone; fullscreen; display-capture; autoplay"></iframe>
"""


@pytest.fixture
def room(platform, make_reseller, make_company, make_host):
    company = make_company(make_reseller(name="Acme Video"))
    host = make_host(company)
    return {"url": platform.url(company["host_name"], f"/conf/call/{host['access_code']}"),
            "origin": platform.url(company["host_name"], ""), "company": company}


def allow_origins(app, company_id: int, origins: list[str]) -> None:
    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == company_id)
                           .values(embed_origins=origins))
        db.session.commit()


def embed(browser: Browser, site, room, host_name: str) -> Page:
    served, root = site
    (root / "embed.html").write_text(EMBED_PAGE.replace("{src}", room["url"]))
    page = browser.new_page()
    page.goto(f"http://{host_name}:{served.port}/embed.html")
    return page


def joined_in_frame(page: Page, name: str) -> dict:
    frame = page.frame_locator("#room")
    frame.locator("#display-name").fill(name)
    frame.locator("#join").click()
    expect(frame.locator("#room")).to_be_visible(timeout=10_000)
    return wait_event(page, "vivomeetingsJoinedEvent")


def wait_event(page: Page, kind: str) -> dict:
    page.wait_for_function(f"window.events.some((e) => e.data.type === '{kind}')",
                           timeout=15_000)
    events = page.evaluate("window.events")
    return next(e for e in events if e["data"]["type"] == kind)


def wait_typed_event(page: Page, type_: str) -> dict:
    page.wait_for_function("window.events.some((e) => e.data.type === 'vivomeetingsEvent'"
                           f" && e.data.event.type === '{type_}')", timeout=15_000)
    return next(e for e in page.evaluate("window.events")
                if e["data"]["type"] == "vivomeetingsEvent" and e["data"]["event"]["type"] == type_)


def control(app, command) -> node_api.ControlResult:
    with app.app_context():
        node = db.session.execute(sa.select(MediaNode)).scalar_one()
        return send_control(node, command)


@pytest.mark.parametrize("how", ["left", "kicked", "ended"])
def test_the_embedding_page_learns_why_the_call_ended(browser, app, site, room, how):
    origin = f"http://embed.localhost:{site[0].port}"
    allow_origins(app, room["company"]["id"], [origin])
    page = embed(browser, site, room, "embed.localhost")
    try:
        joined = joined_in_frame(page, "Ann")
        assert joined["origin"] == room["origin"]
        session, me = joined["data"]["sessionId"], joined["data"]["participantId"]
        if how == "left":
            page.frame_locator("#room").locator("#leave").click()
        elif how == "kicked":
            assert control(app, node_api.Kick(session_id=session, participant_id=me)).ok
        else:
            assert control(app, node_api.EndSession(session_id=session)).ok
        event = wait_event(page, "vivomeetingsLeaveCallEvent")
        assert event["data"]["reason"] == how
        assert event["origin"] == room["origin"]
        # The same moments in the webhooks' vocabulary (docs/events.md).
        left = wait_typed_event(page, "participant.left")
        assert left["data"]["event"]["data"] == {"session_id": session, "participant_id": me,
                                                 "me": True, "reason": how}
        types = [e["data"]["event"]["type"] for e in page.evaluate("window.events")
                 if e["data"]["type"] == "vivomeetingsEvent"]
        assert types[0] == "participant.joined"
        if how == "ended":
            assert wait_typed_event(page, "meeting.ended")["origin"] == room["origin"]
    finally:
        page.close()


def test_a_page_of_another_origin_cannot_frame_the_room(browser, app, site, room):
    allow_origins(app, room["company"]["id"], [f"http://embed.localhost:{site[0].port}"])
    page = embed(browser, site, room, "evil.localhost")
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    try:
        page.reload()
        page.wait_for_timeout(1500)
        frame = next(f for f in page.frames if f is not page.main_frame)
        assert frame.locator("#join").count() == 0, "the room rendered inside the frame"
        assert any("frame-ancestors" in text for text in refusals), refusals
    finally:
        page.close()
