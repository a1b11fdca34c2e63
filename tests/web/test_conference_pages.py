"""The portal's conference pages: schedule from the form (the invitation
lands in the dev outbox and opens in a calendar program), upcoming, edit,
cancel; a refused form comes back with the message and stores nothing; every
POST needs the session's CSRF token."""

from __future__ import annotations

import email
import email.policy
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.extensions import db
from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.conferences.models import Conference
from tests.conferences import wall_in
from tests.helpers import event_jobs
from tests.web.portal_helpers import csrf_of, login_key

VEVENT_FIELDS = ("UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION",
                 "URL", "LOCATION", "STATUS", "ORGANIZER", "ATTENDEE")


@pytest.fixture
def world(app, client, make_reseller, make_company, make_host) -> dict[str, Any]:
    company = make_company(make_reseller(name="Acme Video"), subdomain="joe")
    world = {"company": company, "name": company["host_name"],
             "host": make_host(company, email="host@joe.test"),
             "colleague": make_host(company, HostRole.HOST, email="colleague@joe.test")}
    sso(app, client, world, world["host"])
    return world


def sso(app, client, world, host):
    answer = client.get("/auth?" + urlencode({
        "host_id": host["id"], "login_token_public_key": login_key(app, host["id"])}),
        headers={"Host": world["name"]})
    assert answer.status_code == 303


def get(client, world, path):
    return client.get(path, headers={"Host": world["name"]})


def post(client, world, path, data, csrf=True):
    if csrf:
        page = get(client, world, "/conf/calls/upcoming").get_data(as_text=True)
        data = {**data, "csrf_token": csrf_of(page)}
    return client.post(path, data=data, headers={"Host": world["name"]})


def form(**changes: Any) -> dict[str, Any]:
    data = {"subject": "Design review", "agenda": "Screens\nFlows",
            "start": wall_in("America/New_York", days=2)[:16].replace(" ", "T"),
            "time_zone": "America/New_York", "duration": "30", "auto_record": "none",
            "mute_mode": "presentation", "security_pin": "135790",
            "one_time_access_code": "on", "participants": "",
            "participant_emails": "bob@royalteck.test moderator\nalice@royalteck.test +14165551234"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def conferences(app) -> list[Conference]:
    with app.app_context():
        rows = list(db.session.execute(sa.select(Conference).order_by(Conference.id)).scalars())
        db.session.expunge_all()
        return rows


def test_schedule_from_the_form_sends_an_invitation_a_calendar_program_opens(
        app, client, world, app_with, tmp_path):
    page = get(client, world, "/conf/calls/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<option>Australia/Lord_Howe</option>" in html and 'name="csrf_token"' in html
    for field in ("subject", "agenda", "start", "time_zone", "duration", "auto_record",
                  "auto_transcribe", "one_time_access_code", "security_pin", "mute_mode",
                  "participants", "participant_emails"):
        assert f'name="{field}"' in html, field

    data = form(participants=str(world["colleague"]["id"]))
    answer = post(client, world, "/conf/calls/new", data)
    assert answer.status_code == 303
    assert answer.location.endswith("/conf/calls/upcoming?done=scheduled")
    [conference] = conferences(app)
    assert conference.host_id == world["host"]["id"] and conference.subject == "Design review"
    upcoming = get(client, world, "/conf/calls/upcoming").get_data(as_text=True)
    assert "Design review" in upcoming and data["start"].replace("T", " ") in upcoming
    assert "America/New_York" in upcoming and f"/conf/calls/{conference.id}/edit" in upcoming

    worker = Worker(app_with(smtp_url="", instance_path=str(tmp_path)))
    assert worker.run_until_idle() == 4 + event_jobs(app)
    messages = {}
    for path in (tmp_path / "outbox").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        messages[message["To"]] = message
    assert set(messages) == {"host@joe.test", "colleague@joe.test", "bob@royalteck.test",
                             "alice@royalteck.test"}
    part = messages["bob@royalteck.test"].get_body(preferencelist=("calendar",))
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(part.get_content())
    assert str(calendar["method"]) == "REQUEST" and str(calendar["version"]) == "2.0"
    assert calendar["prodid"]
    [event] = calendar.events
    for field in VEVENT_FIELDS:
        assert field in event, field
    assert [str(tz["tzid"]) for tz in calendar.timezones] == ["America/New_York"]
    assert event.start.strftime("%Y-%m-%dT%H:%M") == data["start"]
    assert str(event["summary"]) == "Design review"
    assert "Screens" in str(event["description"]) and "PIN: 135790" in str(event["description"])
    assert "invite=" in str(event["url"])  # bob moderates
    assert {str(a) for a in event["attendee"]} == {
        "mailto:host@joe.test", "mailto:colleague@joe.test", "mailto:bob@royalteck.test",
        "mailto:alice@royalteck.test"}


@pytest.mark.parametrize(("changes", "says"), [
    ({"start": "2027-03-14T02:30", "time_zone": "America/New_York"},
     "does not exist in America/New_York"),
    ({"start": "2020-01-01T10:00"}, "in the past"),
    ({"time_zone": "Nowhere/Town"}, "Unknown time zone"),
    ({"duration": "-5"}, "duration must be"),
    ({"duration": "many"}, "duration must be"),
    ({"security_pin": "12"}, "security_pin must have"),
    ({"participant_emails": "bob@ moderator"}, "not an email address"),
    ({"participant_emails": "a@x.test\nA@x.test"}, "invited twice"),
    ({"participants": "999999"}, "not a host of this company"),
    ({"subject": ""}, "subject must be"),
    ({"subject": "Hi\r\nBcc: eve@evil.test"}, "subject must be one line"),
    ({"participant_emails": '"a,b"@x.test'}, "not an email address"),
])
def test_a_refused_form_comes_back_with_its_message_and_stores_nothing(
        app, client, world, snapshot, changes, says):
    page = get(client, world, "/conf/calls/new").get_data(as_text=True)
    before = snapshot()
    answer = client.post("/conf/calls/new", data={**form(**changes), "csrf_token": csrf_of(page)},
                         headers={"Host": world["name"]})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert says in html and 'id="conference-form"' in html
    assert snapshot() == before


def test_edit_shows_the_conference_and_saves_the_change(app, client, world):
    post(client, world, "/conf/calls/new", form())
    [conference] = conferences(app)
    page = get(client, world, f"/conf/calls/{conference.id}/edit").get_data(as_text=True)
    assert 'value="Design review"' in page and "<option selected>America/New_York" in page
    assert "bob@royalteck.test moderator" in page and 'value="135790"' in page
    changed = form(subject="Design review, round 2",
                   start=page.split('name="start" type="datetime-local" step="1" required '
                                    'value="')[1][:19])
    answer = post(client, world, f"/conf/calls/{conference.id}/edit", changed)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    [after] = conferences(app)
    assert (after.subject, after.sequence, after.start_at) == (
        "Design review, round 2", 1, conference.start_at)


def test_cancel_needs_the_csrf_token_then_removes_the_conference(app, client, world, snapshot):
    post(client, world, "/conf/calls/new", form())
    [conference] = conferences(app)
    before = snapshot()
    refused = post(client, world, f"/conf/calls/{conference.id}/cancel", {}, csrf=False)
    assert refused.status_code == 400 and snapshot() == before
    answer = post(client, world, f"/conf/calls/{conference.id}/cancel", {})
    assert answer.status_code == 303
    [after] = conferences(app)
    assert after.cancelled_at is not None
    assert 'id="none"' in get(client, world, "/conf/calls/upcoming").get_data(as_text=True)


def test_schedule_without_the_csrf_token_is_400_and_stores_nothing(client, world, snapshot):
    before = snapshot()
    assert post(client, world, "/conf/calls/new", form(), csrf=False).status_code == 400
    assert snapshot() == before


def test_a_colleagues_conference_is_403_and_a_missing_one_404(app, client, world):
    post(client, world, "/conf/calls/new", form())
    [conference] = conferences(app)
    sso(app, client, world, world["colleague"])
    assert get(client, world, f"/conf/calls/{conference.id}/edit").status_code == 403
    assert post(client, world, f"/conf/calls/{conference.id}/cancel", {}).status_code == 403
    assert get(client, world, f"/conf/calls/{conference.id + 9}/edit").status_code == 404
    assert conferences(app)[0].cancelled_at is None


@pytest.mark.parametrize("path", ["/conf/calls/upcoming", "/conf/calls/new",
                                  "/conf/calls/1/edit"])
def test_without_a_session_the_pages_send_to_login(app, world, path):
    fresh = app.test_client()
    answer = fresh.get(path, headers={"Host": world["name"]})
    assert answer.status_code == 303
    assert answer.location.startswith("/login?next=") and path in answer.location
