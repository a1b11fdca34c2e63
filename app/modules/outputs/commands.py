"""What a moderator does to a running meeting's outputs (the meeting API's
start_live, stop_live, start_recording, stop_recording): proven by their join
token as every moderator command is (meetings.commands.moderated)."""

from __future__ import annotations

from collections.abc import Sequence

from app.modules.meetings.commands import Authority, moderated
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
    operations.start_recording(tenant, session)


def stop_recording(tenant: Tenant, session_id: str, token: Authority) -> None:
    session, _ = moderated(tenant, session_id, token)
    operations.stop_recording(tenant, session)


def session_outputs(tenant: Tenant, session_id: str,
                    token: Authority) -> Sequence[SessionOutput]:
    """Every output of the running session, for one of its moderators."""
    session, _ = moderated(tenant, session_id, token)
    return operations.outputs_of(tenant, session)
