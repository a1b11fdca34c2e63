"""Calendar invitations end to end: the API call queues one mail per invitee,
a worker delivers them to a real SMTP server on loopback, and each carries
an iCalendar file that icalendar parses, with the UID, SEQUENCE and METHOD
of create, update and cancel; moderators' files carry the moderator link."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from app.extensions import db
from app.jobs.worker import Worker
from app.modules.conferences.models import Conference
from app.modules.meetings.scheduling import invited_moderator
from tests.conferences import make_world, wall_in
from tests.smtp import ReceivedMail

EMAILS = [{"email": "bob@royalteck.test", "moderator": True},
          {"email": "alice@royalteck.test", "moderator": False}]


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    return make_world(make_reseller, make_company, make_host, token_for)


def call(api, world, verb, **body):
    token, host_name = world["tokens"]["HOST"]
    response = api(f"conference/{verb}", host_name, token, **body)
    assert response.status_code == 200, response.json
    return response.json


def deliver(app_with, smtp_server, count: int) -> dict[str, ReceivedMail]:
    """Run the worker until idle; the new mails by recipient."""
    seen = len(smtp_server.received)
    Worker(app_with(smtp_url=smtp_server.url)).run_until_idle()
    mails = smtp_server.wait_for(seen + count)[seen:]
    assert len(mails) == count, [m.rcpt_tos for m in mails]
    return {mail.rcpt_tos[0]: mail for mail in mails}


def calendar_of(mail: ReceivedMail) -> tuple[Calendar, str]:
    """The invitation: the body's text/calendar alternative and the attached
    invite.ics must be the same file; returns it parsed, and the method the
    MIME type names."""
    alternative = mail.message.get_body(preferencelist=("calendar",))
    assert alternative is not None, "no text/calendar alternative"
    [attachment] = [part for part in mail.message.iter_attachments()
                    if part.get_filename() == "invite.ics"]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("charset").upper() == "UTF-8"
    method = alternative.get_param("method")
    assert attachment.get_param("method") == method
    text = attachment.get_content()
    text = text.decode() if isinstance(text, bytes) else text
    assert Calendar.from_ical(alternative.get_content()).to_ical() == \
        Calendar.from_ical(text).to_ical()
    return Calendar.from_ical(text), method


def event_of(mail: ReceivedMail) -> tuple[Any, Any]:
    calendar, method = calendar_of(mail)
    assert str(calendar["method"]) == method
    [event] = calendar.events
    return calendar, event


def attendees(event: Any) -> dict[str, str]:
    values = event.get("attendee")
    values = values if isinstance(values, list) else [values]
    return {str(a).removeprefix("mailto:"): a.params["ROLE"] for a in values}


def test_invitations_update_and_cancel_reach_every_invitee_with_their_calendar_file(
        app, api, world, smtp_server, app_with):
    start = wall_in("Europe/London", days=3)
    created = call(api, world, "create", host_id=world["host"]["id"], subject="Quarterly",
                   agenda="Numbers; plans", start=start, time_zone="Europe/London",
                   duration=45, security_pin="246810", one_time_access_code=True,
                   participants=[world["colleague"]["id"]], participant_emails=EMAILS)
    uid = f"conference-{created['conference_id']}@{world['reseller']['domain']}"
    join = f"https://joe.{world['reseller']['domain']}/conf/call/"
    join += str(created["one_time_access_code"])
    everyone = {"host@joe.test", "colleague@joe.test", "bob@royalteck.test",
                "alice@royalteck.test"}

    mails = deliver(app_with, smtp_server, 4)
    assert set(mails) == everyone
    for address, mail in mails.items():
        assert mail.message["Subject"].startswith("Invitation: Quarterly")
        assert join in mail.body("plain") and join in mail.body("html")
        calendar, event = event_of(mail)
        assert str(calendar["method"]) == "REQUEST"
        assert str(event["uid"]) == uid and int(event["sequence"]) == 0
        assert str(event["summary"]) == "Quarterly"
        assert str(event["status"]) == "CONFIRMED"
        assert event.start.strftime("%Y-%m-%d %H:%M:%S") == start
        assert str(event.start.tzinfo) == "Europe/London"
        assert (event.end - event.start).total_seconds() == 45 * 60
        assert any(str(tz["tzid"]) == "Europe/London" for tz in calendar.timezones)
        assert "Numbers; plans" in str(event["description"])
        assert "PIN: 246810" in str(event["description"])
        assert str(event["organizer"]) == "mailto:host@joe.test"
        assert event["organizer"].params["CN"].startswith("Host")
        assert attendees(event) == {
            "host@joe.test": "CHAIR", "colleague@joe.test": "REQ-PARTICIPANT",
            "bob@royalteck.test": "CHAIR", "alice@royalteck.test": "REQ-PARTICIPANT"}
        url = str(event["url"])
        assert str(event["location"]) == url and url in str(event["description"])
        assert url.startswith(join)
        invite = parse_qs(urlsplit(url).query).get("invite")
        if address in ("host@joe.test", "bob@royalteck.test"):  # moderators
            assert invite is not None
            with app.app_context():
                room = db.session.get(Conference, created["conference_id"]).room
                assert invited_moderator(room, invite[0]) == address
        else:
            assert url == join

    # An update: everyone still invited gets SEQUENCE 1; alice, dropped, a cancel.
    call(api, world, "update", conference_id=created["conference_id"], subject="Quarterly II",
         participant_emails=EMAILS[:1])
    mails = deliver(app_with, smtp_server, 4)
    assert set(mails) == everyone
    for address, mail in mails.items():
        calendar, event = event_of(mail)
        assert str(event["uid"]) == uid and int(event["sequence"]) == 1
        if address == "alice@royalteck.test":
            assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
            assert mail.message["Subject"].startswith("Cancelled: Quarterly II")
            assert attendees(event) == {"alice@royalteck.test": "REQ-PARTICIPANT"}
        else:
            assert str(calendar["method"]) == "REQUEST"
            assert str(event["summary"]) == "Quarterly II"
            assert mail.message["Subject"].startswith("Updated: Quarterly II")
            assert "alice@royalteck.test" not in attendees(event)

    # A cancel: METHOD CANCEL, STATUS CANCELLED, SEQUENCE 2 to the three left.
    call(api, world, "cancel", conference_id=created["conference_id"])
    mails = deliver(app_with, smtp_server, 3)
    assert set(mails) == everyone - {"alice@royalteck.test"}
    for mail in mails.values():
        calendar, event = event_of(mail)
        assert str(calendar["method"]) == "CANCEL" and str(event["status"]) == "CANCELLED"
        assert str(event["uid"]) == uid and int(event["sequence"]) == 2
        assert mail.message["Subject"].startswith("Cancelled: Quarterly II")
        assert "Join" not in mail.body("plain")


def test_a_conference_in_utc_writes_utc_times_without_a_time_zone(
        api, world, smtp_server, app_with):
    start = wall_in("UTC", days=1)
    call(api, world, "create", host_id=world["host"]["id"], subject="Plain", start=start,
         time_zone="UTC", duration=30)
    [mail] = deliver(app_with, smtp_server, 1).values()
    calendar, event = event_of(mail)
    assert list(calendar.timezones) == []
    assert event.start.strftime("%Y-%m-%d %H:%M:%S") == start
    assert event.start.utcoffset().total_seconds() == 0
    assert b"DTSTART:" in calendar.to_ical() and b"Z\r\n" in calendar.to_ical()
