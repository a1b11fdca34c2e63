"""What a moderator does to a running meeting's outputs (the meeting API's
start_live, stop_live, start_recording, stop_recording): proven by their join
token as every moderator command is (meetings.commands.moderated)."""

from __future__ import annotations

from collections.abc import Sequence

from app.errors import Forbidden
from app.modules.meetings.commands import AsIntegrator, Authority, moderated
from app.modules.meetings.models import MeetingSession
from app.modules.meetings.room_rules import room_options
from app.modules.outputs import operations
from app.modules.outputs.models import SessionOutput
from app.modules.tenants.models import Tenant


def start_live(tenant: Tenant, session_id: str, token: Authority) -> None:
    session, _ = moderated(tenant, session_id, token)
    operations.start_live_stream(tenant, session)


def stop_live(tenant: Tenant, session_id: str, token: Authority) -> None:
    session, _ = moderated(tenant, session_id, token)
    operations.stop_live_stream(tenant, session)


def start_recording(tenant: Tenant, session_id: str, token: Authority) -> None:
    session, _ = moderated(tenant, session_id, token)
    _require_recording_switch(session, token)
    operations.start_recording(tenant, session)


def stop_recording(tenant: Tenant, session_id: str, token: Authority) -> None:
    session, _ = moderated(tenant, session_id, token)
    _require_recording_switch(session, token)
    operations.stop_recording(tenant, session)


def _require_recording_switch(session: MeetingSession, token: Authority) -> None:
    """A room's options may forbid recording at all (``record`` false), or
    leave starting and stopping it to the room's own rule and the API client
    (``allow_start_stop_recording`` false: not the moderators on the page)."""
    options = room_options(session.room)
    if not options.record:
        raise Forbidden("This meeting may not be recorded")
    if not options.allow_start_stop_recording and not isinstance(token, AsIntegrator):
        raise Forbidden("Recording in this meeting is not started or stopped by moderators")


def session_outputs(tenant: Tenant, session_id: str,
                    token: Authority) -> Sequence[SessionOutput]:
    """Every output of the running session, for one of its moderators."""
    session, _ = moderated(tenant, session_id, token)
    return operations.outputs_of(tenant, session)
