"""Outputs as an integrator's API drives them for a user it authenticated
(the rooms API's access key): the recording, snapshots and a broadcast of
the user's running meeting, each remembering who asked; snapshots found,
linked and deleted by the company. The commands go through
``outputs.commands`` with ``AS_INTEGRATOR`` (the dialect proved the key)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db, settings
from app.modules.meetings.commands import AS_INTEGRATOR
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.outputs import commands, operations
from app.modules.outputs.models import SessionOutput
from app.modules.recordings.models import Recording
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url
from app.protocol.egress_api import OutputKind, OutputState
from app.storage import FILES_PATH, storage_for

NO_SNAPSHOT = "No snapshot has this id"


def start_recording(company: Tenant, session: MeetingSession, by: Participant) -> SessionOutput:
    """A new recording of the session; Conflict while one runs."""
    if operations.running_output(session, OutputKind.RECORDING) is not None:
        raise Conflict("A recording is running already")
    commands.start_recording(company, session.public_id, AS_INTEGRATOR)
    return _asked_by(session, OutputKind.RECORDING, by)


def stop_recording(company: Tenant, session: MeetingSession) -> None:
    """Stop the session's recording; NotFound when none runs."""
    if operations.running_output(session, OutputKind.RECORDING) is None:
        raise NotFound("No recording is running")
    commands.stop_recording(company, session.public_id, AS_INTEGRATOR)


def take_snapshot(company: Tenant, session: MeetingSession, by: Participant) -> SessionOutput:
    """A snapshot of the composed picture (the one being taken, if one is)."""
    operations.lock_running(company, session)
    output = operations.take_snapshot(company, session)
    if output.requested_by_id is None:
        output.requested_by_id = by.id
    return output


def start_broadcast(company: Tenant, session: MeetingSession, by: Participant,
                    stream_url: str, player_url: str | None) -> SessionOutput:
    """Send the session to ``stream_url``; Conflict while a broadcast runs."""
    operations.lock_running(company, session)
    if operations.running_output(session, OutputKind.RTMP) is not None:
        raise Conflict("A broadcast is running already")
    output = operations.start_broadcast(company, session, stream_url)
    output.requested_by_id, output.player_url = by.id, player_url
    db.session.flush()
    return output


def update_broadcast(company: Tenant, session: MeetingSession, player_url: str) -> SessionOutput:
    """The running broadcast with its new public player URL; NotFound without one."""
    output = _running_broadcast(company, session)
    output.player_url = player_url
    db.session.flush()
    return output


def stop_broadcast(company: Tenant, session: MeetingSession) -> None:
    """Stop the running broadcast; NotFound without one."""
    _running_broadcast(company, session)
    operations.stop_broadcast(company, session)


def _running_broadcast(company: Tenant, session: MeetingSession) -> SessionOutput:
    operations.lock_running(company, session)
    output = operations.running_output(session, OutputKind.RTMP)
    if output is None:
        raise NotFound("No broadcast is running")
    return output


def running_broadcasts(company: Tenant, session: MeetingSession) -> list[SessionOutput]:
    output = operations.running_output(session, OutputKind.RTMP)
    assert session.company_id == company.id
    return [output] if output is not None else []


def running_recording(company: Tenant, session: MeetingSession) -> Recording | None:
    """The recording the session's egress is making now, if any."""
    assert session.company_id == company.id
    output = operations.running_output(session, OutputKind.RECORDING)
    if output is None or output.recording_id is None:
        return None
    return db.session.get(Recording, output.recording_id)


def session_snapshots(company: Tenant, session: MeetingSession) -> Sequence[SessionOutput]:
    """The session's stored snapshots, oldest first."""
    return db.session.execute(_snapshots(company).where(
        SessionOutput.session_id == session.id).order_by(SessionOutput.id)).scalars().all()


def find_snapshot(company: Tenant, public_id: str) -> SessionOutput:
    """The company's stored snapshot ``public_id``; NotFound otherwise."""
    output = db.session.execute(_snapshots(company).where(
        SessionOutput.public_id == public_id)).scalar()
    if output is None:
        raise NotFound(NO_SNAPSHOT)
    return output


def delete_snapshot(company: Tenant, public_id: str) -> None:
    """Its picture leaves storage; the snapshot is not found any more."""
    output = find_snapshot(company, public_id)
    storage_for(settings()).delete_prefix(snapshot_key(output))
    output.deleted_at = utcnow()
    db.session.flush()


def find_output(company: Tenant, public_id: str) -> SessionOutput | None:
    """The company's output ``public_id`` (any kind, any state)."""
    return db.session.execute(sa.select(SessionOutput).where(
        SessionOutput.company_id == company.id,
        SessionOutput.public_id == public_id)).scalar()


def session_of(output: SessionOutput) -> MeetingSession:
    """The session an output is of."""
    return db.session.get_one(MeetingSession, output.session_id)


def snapshot_key(output: SessionOutput) -> str:
    return output.storage_prefix + ".jpg"


def download_link(company: Tenant, key: str) -> str:
    """An expiring link to ``key`` (the web serves the local folder's on the
    company's host name)."""
    url = storage_for(settings()).url(key, settings().storage_link_seconds)
    return company_url(company, url) if url.startswith(FILES_PATH + "/") else url


def requester(output: SessionOutput | None) -> Participant | None:
    """Who asked for ``output``, when an API said."""
    if output is None or output.requested_by_id is None:
        return None
    return db.session.get(Participant, output.requested_by_id)


def recording_output(company: Tenant, recording_id: int) -> SessionOutput | None:
    """The output that made the recording (who asked for it)."""
    return db.session.execute(sa.select(SessionOutput).where(
        SessionOutput.company_id == company.id,
        SessionOutput.recording_id == recording_id)).scalar()


def _asked_by(session: MeetingSession, kind: OutputKind, by: Participant) -> SessionOutput:
    output = operations.running_output(session, kind)
    assert output is not None  # just started, in this transaction
    output.requested_by_id = by.id
    db.session.flush()
    return output


def _snapshots(company: Tenant) -> sa.Select[SessionOutput]:
    return sa.select(SessionOutput).where(
        SessionOutput.company_id == company.id, SessionOutput.kind == OutputKind.SNAPSHOT,
        SessionOutput.state == OutputState.STOPPED, SessionOutput.deleted_at.is_(None))
