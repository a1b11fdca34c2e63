"""Recordings: begun by the outputs domain when an egress starts recording,
finished when it stops (or dies), assembled by the worker (tasks.py), then
listed, played, published or deleted for an ``Actor``.

Scope: a HOST sees the recordings of its own rooms (``host_id``), a
COMPANY_ADMIN its company's, a RESELLER_ADMIN its reseller's; another
tenant's recording is a 404, a colleague's a 403 (app/modules/access.py)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.pagination import Page, paginate
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.access import Actor, HostRole, covers_company
from app.modules.conferences.operations import load_conference
from app.modules.events.models import EventType
from app.modules.events.operations import emit, iso
from app.modules.hosts.models import Host
from app.modules.hosts.operations import load_host
from app.modules.meetings.models import MeetingSession
from app.modules.recordings import assembly
from app.modules.recordings.models import READY_STATES, Recording, RecordingState
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import company_url, load_company
from app.storage import FILES_PATH, storage_for

ASSEMBLE = "recordings.assemble"
NOT_FOUND = "Recording not found"
PORTAL_PATH = "/portal/recordings"
NO_MEDIA = "The egress stored no media"


@dataclass(frozen=True)
class RecordingRecord:
    """A recording as the dialects render it; ``download_url`` only from
    ``get_recording`` (a fresh expiring link), and only once it is ready."""

    recording_id: str  # the public id
    host_id: int | None
    room_id: int
    session_id: str
    state: RecordingState
    partial: bool
    audio_only: bool
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    size_bytes: int | None
    failure_reason: str
    download_url: str | None = None
    expires_at: datetime | None = None


# --- the egress's side (called by app.modules.outputs) -----------------------

def begin_recording(company: Tenant, session: MeetingSession, audio_only: bool) -> Recording:
    """A new recording of the running ``session``, in state RECORDING, with
    the storage prefix its egress writes chunks under."""
    room = session.room
    public_id = secrets.token_urlsafe(12)
    recording = Recording(
        public_id=public_id, company_id=company.id, session_id=session.id, room_id=room.id,
        host_id=room.host_id or room.organizer_id, audio_only=audio_only,
        storage_prefix=f"{company.id}/recordings/{public_id}", meta=dict(room.meta or {}))
    db.session.add(recording)
    db.session.flush()
    _emit(recording, EventType.RECORDING_STARTED, session.public_id)
    return recording


def recording_stopped(recording_id: int, details: Mapping[str, Any]) -> None:
    """The egress finished the recording as asked: queue its assembly. Said
    twice (a repeated event), the second time does nothing."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.state is not RecordingState.RECORDING:
        return
    _finish(recording)


def recording_interrupted(recording_id: int, reason: str) -> None:
    """The egress failed or died while recording: assemble what chunks it
    stored, as a partial recording (none stored: FAILED, with ``reason``)."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.state is not RecordingState.RECORDING:
        return
    recording.partial = True
    recording.failure_reason = reason[:500]
    _finish(recording)


def _finish(recording: Recording) -> None:
    recording.state = RecordingState.PROCESSING
    recording.ended_at = utcnow()
    db.session.flush()
    enqueue(ASSEMBLE, {"recording_id": recording.id})


def assemble_recording(recording_id: int) -> None:
    """Assemble in one go (the job splits it: tasks.py). Idempotent."""
    pending = pending_assembly(recording_id)
    if pending is not None:
        assembled(recording_id, assembly.assemble(storage_for(settings()), *pending))


def pending_assembly(recording_id: int) -> tuple[str, bool] | None:
    """What the assembly of a PROCESSING recording needs (its storage prefix
    and whether it is audio only); None when there is nothing to do."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.state is not RecordingState.PROCESSING:
        return None
    return recording.storage_prefix, recording.audio_only


def assembled(recording_id: int, made: assembly.Assembled | None) -> None:
    """The assembly's outcome: PUBLISHED and the organizer told, or FAILED
    when no chunk was stored. Only the first run to get here counts: an
    assembly that outlived its job lease may run twice, and the second must
    neither change the row again nor send a second mail."""
    if made is None:
        values: dict[str, Any] = {
            "state": RecordingState.FAILED,
            "failure_reason": sa.case((Recording.failure_reason == "", NO_MEDIA),
                                      else_=Recording.failure_reason)}
    else:
        values = {"state": RecordingState.PUBLISHED, "media_key": made.key,
                  "size_bytes": made.size_bytes, "duration_seconds": made.duration_seconds}
    changed = db.session.execute(
        sa.update(Recording)
        .where(Recording.id == recording_id, Recording.state == RecordingState.PROCESSING)
        .values(**values).execution_options(synchronize_session=False))
    if not getattr(changed, "rowcount", 0):
        return
    recording = db.session.get_one(Recording, recording_id)
    db.session.refresh(recording)
    if made is not None:
        _emit(recording, EventType.RECORDING_READY, recording.session.public_id,
              ended_at=iso(recording.ended_at) if recording.ended_at else None,
              duration_seconds=recording.duration_seconds, size_bytes=recording.size_bytes,
              partial=recording.partial)
        _announce_ready(recording)


def _announce_ready(recording: Recording) -> None:
    """Tell whoever waits for a finished recording. The organizer gets a mail
    here; the BBB recording-ready callback (issue E) and the webhooks
    (issue H) are queued from here too, in this same transaction."""
    from app.modules.mail.operations import queue_mail  # renders with Flask templates

    host = db.session.get(Host, recording.host_id) if recording.host_id else None
    if host is None or host.deleted_at is not None:
        return
    company = Tenant.of(db.session.get_one(Company, recording.company_id))
    queue_mail(company, host.email, "recording_ready", host=host,
               recording=recording, room=recording.room,
               portal_url=company_url(company, PORTAL_PATH))


# --- reading and managing, for an actor ---------------------------------------

def list_recordings(actor: Actor, query: Mapping[str, Any]) -> Page[RecordingRecord]:
    """Recordings (not deleted) of a host, a conference's room or a company,
    newest first. Without a filter: a HOST's own, anyone else's company's."""
    page, per_page = query.get("page", 1), query.get("per_page", 50)
    given = [name for name in ("company_id", "host_id", "conference_id") if query.get(name)]
    if len(given) > 1:
        raise ValidationFailed("Give one of company_id, host_id and conference_id",
                               {name: ["Give only one of these."] for name in given})
    rows = sa.select(Recording).where(Recording.state != RecordingState.DELETED)
    if query.get("host_id"):
        rows = rows.where(Recording.host_id == load_host(actor, query["host_id"]).id)
    elif query.get("conference_id"):
        conference = load_conference(actor, query["conference_id"])
        rows = rows.where(Recording.room_id == conference.room_id)
    elif actor.role is HostRole.HOST and not query.get("company_id"):
        rows = rows.where(Recording.host_id == actor.caller.id)
    else:
        actor.require(HostRole.COMPANY_ADMIN)
        company = load_company(actor, query.get("company_id") or actor.caller.company_id)
        rows = rows.where(Recording.company_id == company.id)
    return paginate(rows, Recording.started_at.desc(), page, per_page).map(record_of)


def host_recordings(actor: Actor, company: Tenant, page: int,
                    per_page: int) -> Page[RecordingRecord]:
    """The calling host's own recordings, newest first, each ready one with a
    fresh link (the portal's page: it plays and downloads them)."""
    rows = sa.select(Recording).where(Recording.company_id == company.id,
                                      Recording.host_id == actor.caller.id,
                                      Recording.state != RecordingState.DELETED)
    return paginate(rows, Recording.started_at.desc(), page, per_page).map(
        lambda recording: with_link(record_of(recording), recording, company))


def get_recording(actor: Actor, public_id: str) -> RecordingRecord:
    """The recording, with a fresh download link once it is ready."""
    recording, company = load_recording(actor, public_id)
    return with_link(record_of(recording), recording, company)


def delete_recording(actor: Actor, public_id: str) -> None:
    """Its objects leave storage; the row stays, DELETED, answering 404.
    Not while the egress writes it or the worker assembles it (409): either
    would write again what was just deleted."""
    recording, _ = load_recording(actor, public_id)
    remove_recording(recording)


def remove_recording(recording: Recording) -> None:
    """``delete_recording`` once the caller has found the recording in its
    scope (an actor's, or an integrator's company: integration.py)."""
    if recording.state in (RecordingState.RECORDING, RecordingState.PROCESSING):
        raise Conflict(f"This recording is still {recording.state.value}; stop it or wait "
                       "until it is ready")
    storage = storage_for(settings())
    storage.delete_prefix(recording.storage_prefix + "/")
    storage.delete_prefix(tracks_prefix(recording))
    recording.state = RecordingState.DELETED
    recording.deleted_at = utcnow()
    recording.media_key = None
    db.session.flush()
    _emit(recording, EventType.RECORDING_DELETED, recording.session.public_id,
          deleted_at=iso(recording.deleted_at))


def _emit(recording: Recording, type: EventType, session_id: str, **extra: Any) -> None:
    reseller_id = db.session.execute(
        sa.select(Company.reseller_id).where(Company.id == recording.company_id)).scalar_one()
    emit(recording.company_id, reseller_id, type, {
        "recording_id": recording.public_id, "session_id": session_id,
        "room_id": recording.room_id, "host_id": recording.host_id,
        "audio_only": recording.audio_only, "started_at": iso(recording.started_at), **extra})


def set_published(actor: Actor, public_id: str, published: bool) -> RecordingRecord:
    """Publish or unpublish a ready recording (BBB publishRecordings)."""
    recording, company = load_recording(actor, public_id)
    if recording.state not in READY_STATES:
        raise ValidationFailed(f"A {recording.state.value} recording cannot be published",
                               {"recording_id": ["Not ready yet."]})
    recording.state = RecordingState.PUBLISHED if published else RecordingState.UNPUBLISHED
    db.session.flush()
    return with_link(record_of(recording), recording, company)


def load_recording(actor: Actor, public_id: str) -> tuple[Recording, Tenant]:
    """The recording and its company, if the actor may see it: 404 outside its
    scope or once deleted, 403 for a HOST asking about a colleague's."""
    found = db.session.execute(
        sa.select(Recording, Company).join(Company, Company.id == Recording.company_id)
        .where(Recording.public_id == public_id)).first()
    if found is None:
        raise NotFound(NOT_FOUND)
    recording, company = found
    if recording.state is RecordingState.DELETED or not company.active or \
            not covers_company(actor.caller, company.id, company.reseller_id):
        raise NotFound(NOT_FOUND)
    if actor.role is HostRole.HOST and recording.host_id != actor.caller.id:
        raise Forbidden("A host may only see its own recordings")
    return recording, Tenant.of(company)


def record_of(recording: Recording) -> RecordingRecord:
    return RecordingRecord(
        recording_id=recording.public_id, host_id=recording.host_id, room_id=recording.room_id,
        session_id=recording.session.public_id, state=recording.state,
        partial=recording.partial, audio_only=recording.audio_only,
        started_at=recording.started_at, ended_at=recording.ended_at,
        duration_seconds=recording.duration_seconds, size_bytes=recording.size_bytes,
        failure_reason=recording.failure_reason)


def with_link(record: RecordingRecord, recording: Recording, company: Tenant) -> RecordingRecord:
    """``record`` with an expiring download link, when there is a file and
    it is published (an unpublished recording plays for nobody)."""
    if recording.state is not RecordingState.PUBLISHED or not recording.media_key:
        return record
    url, expires_at = storage_link(company, recording.media_key)
    return replace(record, download_url=url, expires_at=expires_at)


def storage_link(company: Tenant, key: str) -> tuple[str, datetime]:
    """An expiring link to a stored object of ``company``, and when it expires."""
    seconds = settings().storage_link_seconds
    url = storage_for(settings()).url(key, seconds)
    if url.startswith(FILES_PATH + "/"):  # the local folder: the web serves it, on this name
        url = company_url(company, url)
    return url, utcnow().replace(microsecond=0) + timedelta(seconds=seconds)


def tracks_prefix(recording: Recording) -> str:
    """Where a recording's text tracks are kept: <company>/tracks/<public id>/."""
    return f"{recording.company_id}/tracks/{recording.public_id}/"


def playable(key: str) -> bool:
    """Whether the web may serve the stored object ``key``: a recording's
    file only while the recording is published (unpublishing or deleting it
    stops links already handed out); every other kind of object, yes."""
    parts = key.split("/")
    if len(parts) < 3 or parts[1] != "recordings":
        return True
    state = db.session.execute(sa.select(Recording.state).where(
        Recording.public_id == parts[2],
        Recording.storage_prefix == "/".join(parts[:3]))).scalar()
    return state is RecordingState.PUBLISHED
