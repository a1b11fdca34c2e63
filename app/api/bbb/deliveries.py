"""What the BBB dialect's webhook formats share (hook_events.py, callbacks.py):
the BBB meeting an outbox event is about, the company's shared secret that
signs a delivery, and URLs with parameters added. Formats render in the
worker, from the event's ids and what is stored when the delivery is sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from app.api.bbb.responses import epoch_millis
from app.api.bbb.rooms import NAMESPACE, internal_meeting_id
from app.modules.events.models import Event
from app.modules.meetings.integration import meeting_of_event
from app.modules.meetings.models import MeetingSession, Room
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import shared_secret_of

FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Meeting:
    """The BBB meeting of an event: its company, room and session."""

    company: Tenant
    room: Room
    session: MeetingSession

    @property
    def meeting_id(self) -> str:
        """The integrator's meetingID."""
        return self.room.external_id or ""

    @property
    def internal_id(self) -> str:
        """internalMeetingID, as getMeetingInfo gives it."""
        return internal_meeting_id(self.meeting_id, epoch_millis(self.session.started_at))


def meeting_of(event: Event) -> Meeting | None:
    """The BBB meeting ``event`` is about; None for an event of another kind
    of room (a host's room, another dialect's) or of no session."""
    found = meeting_of_event(event, NAMESPACE)
    return Meeting(*found) if found is not None else None


def secret_of(company: Tenant) -> str:
    """The company's shared secret: what signs its API calls signs its callbacks."""
    return shared_secret_of(company).value


def with_query(url: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``url`` with ``pairs`` added to its query string."""
    added = urlencode(list(pairs))
    if not added:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{added}"
