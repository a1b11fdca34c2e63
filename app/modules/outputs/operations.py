"""The outputs of a running session: its live stream (HLS), recording,
broadcast (RTMP) and snapshots. Every operation takes the tenant.

One egress process serves a session: the first output places the session on
the least-loaded live egress, the others follow it there while it lives.
Starting posts a signed ``StartOutputs`` (with a hidden RECORDER's join
ticket) to that egress; a refused or failed post raises ServiceUnavailable
and, since operations only flush, leaves nothing behind once the edge rolls
back. The egress reports each output's progress (``record_events``); an
egress that stops heart-beating fails its outputs (tasks.watch_egress)."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.core.db import utcnow
from app.environment import is_local_name
from app.errors import Conflict, Gone, NotFound, ServiceUnavailable, ValidationFailed
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.events.models import EventType
from app.modules.events.operations import emit
from app.modules.events.schemas import iso
from app.modules.meetings.models import MeetingSession
from app.modules.meetings.operations import recorder_ticket
from app.modules.outputs.arrangement import opening
from app.modules.outputs.egress_nodes import is_alive, least_loaded_egress, send_command
from app.modules.outputs.models import FINAL_STATES, EgressNode, SessionOutput
from app.modules.recordings.models import Recording
from app.modules.recordings.operations import (
    begin_recording,
    recording_interrupted,
    recording_stopped,
)
from app.modules.tenants.models import Company, Tenant
from app.protocol import egress_api
from app.protocol.egress_api import OutputKind, OutputState

# Job kinds (handled in tasks.py): tell the session's media node which badges
# to show; check that an egress with running outputs still lives.
TELL_NODE = "outputs.tell_node"
WATCH_EGRESS = "outputs.watch_egress"
EGRESS_STOPPED = "the egress process stopped"
SESSION_ENDED = "the meeting ended"
# Storage kind of each output that writes under its own prefix (a recording's
# prefix is its Recording's).
STORAGE_KIND = {OutputKind.HLS: "live", OutputKind.SNAPSHOT: "snapshots"}
NAMES = {OutputKind.HLS: "live stream", OutputKind.RECORDING: "recording",
         OutputKind.RTMP: "broadcast", OutputKind.SNAPSHOT: "snapshot"}


def start_live_stream(company: Tenant, session: MeetingSession) -> SessionOutput:
    """The session's live stream: the running one, else a new one."""
    return _start(company, session, OutputKind.HLS)


def stop_live_stream(company: Tenant, session: MeetingSession) -> SessionOutput:
    return _stop(company, session, OutputKind.HLS)


def start_recording(company: Tenant, session: MeetingSession,
                    audio_only: bool = False) -> SessionOutput:
    """The session's recording: the running one, else a new Recording and its output."""
    return _start(company, session, OutputKind.RECORDING, audio_only=audio_only)


def stop_recording(company: Tenant, session: MeetingSession) -> SessionOutput:
    return _stop(company, session, OutputKind.RECORDING)


def start_broadcast(company: Tenant, session: MeetingSession, rtmp_url: str) -> SessionOutput:
    """Send the session to an RTMP ingest: rtmp[s]://host[:port]/<app>/<key>;
    in production, never to a local or private address (the egress would
    connect to the deployment's own neighbours)."""
    _check_rtmp_url(rtmp_url)
    return _start(company, session, OutputKind.RTMP, rtmp_url=rtmp_url)


def _check_rtmp_url(url: str) -> None:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(f"rtmp_url: {message}", errors={"rtmp_url": [message]})

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises for a port that is no number)
    except ValueError as exc:
        raise refuse("Not an rtmp:// or rtmps:// URL.") from exc
    app_and_key = [segment for segment in parts.path.split("/") if segment]
    if parts.scheme not in ("rtmp", "rtmps") or not host or len(app_and_key) < 2 or \
            not url.isprintable() or " " in url:
        raise refuse("Use rtmp://host[:port]/<app>/<stream key> (or rtmps://).")
    if settings().env == "production" and not public_address(host):
        raise refuse("The ingest must be a public address.")


def public_address(host: str) -> bool:
    """Whether the egress may connect to ``host`` in production: neither a
    local name nor a private, loopback or reserved address."""
    return not is_local_name(host) and _global_or_name(host)


def _global_or_name(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True  # a name: resolved by the egress when it connects


def stop_broadcast(company: Tenant, session: MeetingSession) -> SessionOutput:
    return _stop(company, session, OutputKind.RTMP)


def take_snapshot(company: Tenant, session: MeetingSession) -> SessionOutput:
    """One JPEG of the composed picture (the egress stops it once written)."""
    return _start(company, session, OutputKind.SNAPSHOT)


def outputs_of(company: Tenant, session: MeetingSession) -> Sequence[SessionOutput]:
    """Every output the session ever had, oldest first."""
    assert session.company_id == company.id
    return db.session.execute(
        sa.select(SessionOutput).where(SessionOutput.company_id == company.id,
                                       SessionOutput.session_id == session.id)
        .order_by(SessionOutput.id)
    ).scalars().all()


def latest_live_stream(company: Tenant, room_id: int) -> SessionOutput | None:
    """The newest live stream of any session of the room (running or not)."""
    return db.session.execute(
        sa.select(SessionOutput)
        .join(MeetingSession, SessionOutput.session_id == MeetingSession.id)
        .where(SessionOutput.company_id == company.id, MeetingSession.room_id == room_id,
               SessionOutput.kind == OutputKind.HLS)
        .order_by(SessionOutput.id.desc()).limit(1)
    ).scalar()


def _start(company: Tenant, session: MeetingSession, kind: OutputKind, *,
           audio_only: bool = False, rtmp_url: str | None = None) -> SessionOutput:
    _lock_running(company, session)
    running = _running_output(session, kind)
    if running is not None:
        if running.state is OutputState.STOPPING:
            raise Conflict(f"The {NAMES[kind]} is stopping; start it again in a moment")
        return running
    egress = _egress_for(session)
    first_on_egress = not running_on(egress)
    output = SessionOutput(public_id=secrets.token_urlsafe(12), company_id=company.id,
                           session_id=session.id, kind=kind, state=OutputState.STARTING,
                           egress_node=egress, rtmp_url=rtmp_url)
    if kind is OutputKind.RECORDING:
        recording = begin_recording(company, session, audio_only)
        output.recording_id, output.storage_prefix = recording.id, recording.storage_prefix
    elif kind in STORAGE_KIND:
        output.storage_prefix = f"{company.id}/{STORAGE_KIND[kind]}/{output.public_id}"
    db.session.add(output)
    db.session.flush()
    ticket = recorder_ticket(company, session)
    spec = egress_api.OutputSpec(output_id=output.public_id, kind=kind,
                                 storage_prefix=output.storage_prefix, audio_only=audio_only,
                                 rtmp_url=rtmp_url or "")
    result = send_command(egress, egress_api.StartOutputs(
        session_id=session.public_id, node_url=ticket.node_url, join_token=ticket.token,
        outputs=[spec], **opening(session)))
    if not result.ok:
        raise ServiceUnavailable(f"The egress could not start the {NAMES[kind]}: "
                                 f"{result.detail or 'no reason given'}")
    if first_on_egress:
        watch_later(egress)
    _changed(session)
    return output


def follow_session(company: Tenant, session: MeetingSession) -> None:
    """Send the egress running the session's outputs a RECORDER's ticket to
    the session's node now (after the session moved): it joins there, and
    the outputs it runs go on; none alive, nothing to do. ServiceUnavailable
    when the egress cannot be reached or refuses."""
    running = [o for o in _running(SessionOutput.session_id == session.id)
               if is_alive(o.egress_node)]
    if not running:
        return
    egress = running[0].egress_node
    ticket = recorder_ticket(company, session)
    specs = [_spec_of(o) for o in running if o.egress_node_id == egress.id]
    result = send_command(egress, egress_api.StartOutputs(
        session_id=session.public_id, node_url=ticket.node_url, join_token=ticket.token,
        outputs=specs, **opening(session)))
    if not result.ok:
        raise ServiceUnavailable(f"The egress could not follow the session: "
                                 f"{result.detail or 'no reason given'}")


def _spec_of(output: SessionOutput) -> egress_api.OutputSpec:
    return egress_api.OutputSpec(output_id=output.public_id, kind=output.kind,
                                 storage_prefix=output.storage_prefix,
                                 audio_only=_audio_only(output), rtmp_url=output.rtmp_url or "")


def _audio_only(output: SessionOutput) -> bool:
    recording = db.session.get(Recording, output.recording_id) if output.recording_id else None
    return recording is not None and recording.audio_only


def _stop(company: Tenant, session: MeetingSession, kind: OutputKind) -> SessionOutput:
    _lock_running(company, session)
    output = _running_output(session, kind)
    if output is None:
        raise Conflict(f"No {NAMES[kind]} is running")
    if output.state is not OutputState.STOPPING:
        stop_output(output)
    return output


def stop_output(output: SessionOutput) -> None:
    """Ask the output's egress to stop it; one whose egress is dead fails at
    once. ServiceUnavailable when a live egress cannot be reached."""
    if not is_alive(output.egress_node):
        fail_output(output, EGRESS_STOPPED)
        return
    session = db.session.get(MeetingSession, output.session_id)
    assert session is not None
    send_command(output.egress_node, egress_api.StopOutput(session_id=session.public_id,
                                                           output_id=output.public_id))
    output.state = OutputState.STOPPING
    _changed(session)


def stop_session_outputs(session: MeetingSession) -> None:
    """The session ended: stop every output it still runs."""
    for output in _running(SessionOutput.session_id == session.id):
        stop_output(output)


def record_events(events: egress_api.EgressEvents) -> None:
    """What an egress reports of its outputs (only of outputs placed on it).
    A final state is final: a late LIVE does not bring a stopped output back."""
    changed: set[int] = set()
    for event in events.events:
        output = db.session.execute(
            sa.select(SessionOutput).join(SessionOutput.egress_node)
            .where(SessionOutput.public_id == event.output_id,
                   EgressNode.egress_id == events.egress_id)
        ).scalar()
        if output is None or output.state in FINAL_STATES or output.kind != event.kind:
            continue
        if event.state in FINAL_STATES:
            _finish(output, event.state, event.reason, dict(event.details),
                    datetime.fromtimestamp(event.at, UTC))
        elif not (output.state is OutputState.STOPPING and event.state is OutputState.LIVE):
            if event.state is OutputState.LIVE and output.state is not OutputState.LIVE:
                _started_event(output)
            output.state = event.state
        changed.add(output.session_id)
    db.session.flush()
    for session_id in changed:
        enqueue(TELL_NODE, {"session_id": session_id})


def fail_egress_outputs(egress: EgressNode, reason: str = EGRESS_STOPPED) -> int:
    """Fail every output still running on ``egress`` (it died or restarted);
    how many there were."""
    outputs = _running(SessionOutput.egress_node_id == egress.id)
    for output in outputs:
        fail_output(output, reason)
    return len(outputs)


def fail_output(output: SessionOutput, reason: str) -> None:
    _finish(output, OutputState.FAILED, reason, {}, utcnow())
    enqueue(TELL_NODE, {"session_id": output.session_id})


def _finish(output: SessionOutput, state: OutputState, reason: str,
            details: dict[str, str | int | float], at: datetime) -> None:
    output.state, output.reason, output.stopped_at = state, reason[:500], at
    if output.recording_id is not None:
        if state is OutputState.STOPPED:
            recording_stopped(output.recording_id, details)
        else:
            recording_interrupted(output.recording_id, reason or "the egress failed")
    db.session.flush()
    _final_event(output)


# The events of each kind's first LIVE and of its final state (snapshot:
# only a stored picture, STOPPED, is an event).
STARTED_EVENTS = {OutputKind.HLS: EventType.LIVESTREAM_STARTED,
                  OutputKind.RTMP: EventType.BROADCAST_STARTED}
FINAL_EVENTS = {OutputKind.HLS: EventType.LIVESTREAM_STOPPED,
                OutputKind.RTMP: EventType.BROADCAST_STOPPED}


def _started_event(output: SessionOutput) -> None:
    """livestream.started or broadcast.started when the output first reports LIVE."""
    if output.kind in STARTED_EVENTS:
        _output_event(output, STARTED_EVENTS[output.kind])


def _final_event(output: SessionOutput) -> None:
    """At the output's final state: livestream.stopped and broadcast.stopped
    (also for one that failed before it went live), snapshot.created for a
    stored picture."""
    if output.kind in FINAL_EVENTS:
        _output_event(output, FINAL_EVENTS[output.kind], state=output.state.value,
                      reason=output.reason)
    elif output.kind is OutputKind.SNAPSHOT and output.state is OutputState.STOPPED:
        assert output.stopped_at is not None
        _output_event(output, EventType.SNAPSHOT_CREATED, created_at=iso(output.stopped_at))


def _output_event(output: SessionOutput, type: EventType, **extra: str) -> None:
    session = db.session.get_one(MeetingSession, output.session_id)
    reseller_id = db.session.execute(
        sa.select(Company.reseller_id).where(Company.id == output.company_id)).scalar_one()
    emit(output.company_id, reseller_id, type, {
        "output_id": output.public_id, "session_id": session.public_id,
        "room_id": session.room_id, **extra})


def running_on(egress: EgressNode) -> bool:
    return bool(_running(SessionOutput.egress_node_id == egress.id))


def watch_later(egress: EgressNode) -> None:
    """Check on ``egress`` once a heartbeat should have come (tasks.watch_egress)."""
    delay = timedelta(seconds=settings().media_node_dead_after_seconds)
    enqueue(WATCH_EGRESS, {"egress_node_id": egress.id}, run_at=utcnow() + delay)


def _running(which: sa.ColumnElement[bool]) -> Sequence[SessionOutput]:
    return db.session.execute(
        sa.select(SessionOutput).where(which, SessionOutput.stopped_at.is_(None))
        .order_by(SessionOutput.id)
    ).scalars().all()


def running_output(session: MeetingSession, kind: OutputKind) -> SessionOutput | None:
    """The session's output of ``kind`` not yet stopped or failed, if any."""
    return _running_output(session, kind)


def serving_egress(session: MeetingSession) -> EgressNode | None:
    """The live egress running the session's outputs now, if one does."""
    for output in _running(SessionOutput.session_id == session.id):
        if is_alive(output.egress_node):
            return output.egress_node
    return None


def lock_running(company: Tenant, session: MeetingSession) -> None:
    """The session's row locked for this transaction; 404 another company's,
    410 once it has ended."""
    _lock_running(company, session)


def _running_output(session: MeetingSession, kind: OutputKind) -> SessionOutput | None:
    found = _running(sa.and_(SessionOutput.session_id == session.id,
                             SessionOutput.kind == kind))
    return found[0] if found else None


def _egress_for(session: MeetingSession) -> EgressNode:
    """The egress serving the session's other outputs while it lives, else the
    least-loaded one."""
    for output in _running(SessionOutput.session_id == session.id):
        if is_alive(output.egress_node) and not output.egress_node.draining:
            return output.egress_node
    return least_loaded_egress()


def _lock_running(company: Tenant, session: MeetingSession) -> None:
    """Lock the session's row (two starts at once agree on one output and one
    egress); 410 once the session has ended."""
    locked = db.session.execute(
        sa.select(MeetingSession)
        .where(MeetingSession.id == session.id, MeetingSession.company_id == company.id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar()
    if locked is None:
        raise NotFound("No running meeting has this id")
    if locked.ended_at is not None:
        raise Gone("The meeting has ended")


def _changed(session: MeetingSession) -> None:
    db.session.flush()
    enqueue(TELL_NODE, {"session_id": session.id})
