"""Calendar invitations: one iCalendar file per invitee (RFC 5545 / iTIP,
RFC 5546), sent by mail as durable jobs.

Every invitee's file has the same UID and SEQUENCE, so a calendar program
files an update or a cancellation over the event it already has; they differ
in the join link (moderators get one that admits them as moderator)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

from app.core.db import utcnow
from app.modules.conferences.models import Conference
from app.modules.conferences.times import to_wall, zone
from app.modules.mail.operations import Attachment, queue_mail
from app.modules.meetings.scheduling import moderator_url, room_url
from app.modules.tenants.models import Tenant

PRODID = "-//Confera//Conferences//EN"


class Method(enum.StrEnum):
    REQUEST = "REQUEST"  # a new or changed conference
    CANCEL = "CANCEL"


@dataclass(frozen=True)
class Invitee:
    """Who an invitation goes to (a row of ``ConferenceInvitee``, or one that
    an update just removed)."""

    email: str
    moderator: bool
    name: str | None = None
    phone: str | None = None


def invitees_of(conference: Conference) -> list[Invitee]:
    names = {conference.host.email: conference.host.name}
    return [Invitee(i.email, i.moderator, names.get(i.email), i.phone)
            for i in conference.invitees]


def uid(company: Tenant, conference: Conference) -> str:
    """Stable for the conference's life: updates and cancels replace the event."""
    return f"conference-{conference.id}@{company.reseller.domain}"


def join_url(company: Tenant, conference: Conference, invitee: Invitee) -> str:
    """Moderators get the link that admits them as moderator; others the room's."""
    if invitee.moderator:
        return moderator_url(company, conference.room, invitee.email)
    return room_url(company, conference.room)


def send_invitations(company: Tenant, conference: Conference, method: Method,
                     invitees: list[Invitee], template: str,
                     attendees: list[Invitee] | None = None) -> None:
    """Queue one mail with its own invitation file to each of ``invitees``;
    the files list ``attendees`` (default: everyone invited now)."""
    attendees = invitees_of(conference) if attendees is None else attendees
    stamp = utcnow()
    for invitee in invitees:
        url = join_url(company, conference, invitee)
        ics = calendar_file(company, conference, method, attendees, url, stamp)
        queue_mail(company, invitee.email, template,
                   attachments=[calendar_attachment(ics, method)],
                   **mail_context(conference, invitee, url))


def mail_context(conference: Conference, invitee: Invitee, url: str) -> dict[str, Any]:
    """What the conference mails' templates show."""
    return {
        "conference": conference, "invitee": invitee, "join_url": url,
        "organizer": conference.host, "security_pin": conference.room.security_pin,
        "start": to_wall(conference.start_at, conference.time_zone)[:-3],
        "end": to_wall(conference.end_at, conference.time_zone)[:-3],
    }


def calendar_attachment(ics: str, method: Method) -> Attachment:
    return Attachment(filename="invite.ics", content_type="text/calendar", content=ics,
                      params={"method": method.value}, alternative=True)


def calendar_file(company: Tenant, conference: Conference, method: Method,
                  attendees: list[Invitee], url: str, stamp: datetime) -> str:
    """The VCALENDAR with one VEVENT (and the VTIMEZONE its times name)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    calendar.add_component(_event(company, conference, method, attendees, url, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical().decode()


def _event(company: Tenant, conference: Conference, method: Method,
           attendees: list[Invitee], url: str, stamp: datetime) -> Event:
    # UTC needs no VTIMEZONE: its times are written with Z.
    tz: tzinfo = UTC if conference.time_zone == "UTC" else zone(conference.time_zone)
    event = Event()
    event.add("uid", uid(company, conference))
    event.add("sequence", conference.sequence)
    event.add("dtstamp", stamp)
    event.add("created", conference.created_at)
    event.add("last-modified", stamp)
    event.add("dtstart", conference.start_at.astimezone(tz))
    event.add("dtend", conference.end_at.astimezone(tz))
    event.add("summary", conference.subject)
    event.add("description", _description(conference, url))
    event.add("url", url)
    event.add("location", url)
    event.add("status", "CANCELLED" if method is Method.CANCEL else "CONFIRMED")
    event.add("organizer", _address(conference.host.email, conference.host.name))
    for attendee in attendees:
        address = _address(attendee.email, attendee.name)
        address.params["role"] = "CHAIR" if attendee.moderator else "REQ-PARTICIPANT"
        address.params["partstat"] = "NEEDS-ACTION"
        address.params["rsvp"] = "TRUE"
        event.add("attendee", address)
    return event


def _description(conference: Conference, url: str) -> str:
    lines = [conference.agenda, ""] if conference.agenda else []
    lines.append(f"Join: {url}")
    if conference.room.security_pin:
        lines.append(f"PIN: {conference.room.security_pin}")
    return "\n".join(lines)


def _address(email: str, name: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    return address
