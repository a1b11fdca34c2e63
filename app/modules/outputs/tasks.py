"""Jobs of the outputs domain: the badges a session's media node shows, the
watch on egress processes, and what meetings ask of outputs without
importing them (a session that started in an auto_record room, a session
that ended, a session that moved to another media node)."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.jobs import job_handler
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.operations import is_alive as node_alive
from app.modules.meetings.models import MeetingSession
from app.modules.meetings.operations import AUTO_RECORD, SESSION_ENDED, SESSION_MOVED
from app.modules.meetings.room_rules import auto_record_mode
from app.modules.outputs.egress_nodes import is_alive
from app.modules.outputs.models import EgressNode, SessionOutput
from app.modules.outputs.operations import (
    TELL_NODE,
    WATCH_EGRESS,
    fail_egress_outputs,
    follow_session,
    outputs_of,
    running_on,
    start_recording,
    stop_session_outputs,
    watch_later,
)
from app.modules.tenants.models import Company, Tenant
from app.protocol import node_api
from app.protocol.egress_api import OutputKind


@job_handler(TELL_NODE)
def tell_node(payload: dict[str, Any]) -> None:
    """Have the session's media node show everyone the outputs as they are
    now (a job per change; each sends the current state, so order does not
    matter). A node that cannot be reached fails the job, which is retried."""
    session = db.session.get(MeetingSession, payload["session_id"])
    if session is None or session.ended_at is not None:
        return
    node = session.media_node
    if node is None or not node_alive(node):
        return
    if not send_control(node, outputs_command(session)).ok:
        # Nobody has connected to the node yet (a recording that started by
        # itself): tried again, with backoff, until the session is there.
        raise RuntimeError(f"media node {node.node_id} has no session {session.public_id} yet")


def outputs_command(session: MeetingSession) -> node_api.SetOutputs:
    """The badges of ``session``: whether a live stream and a recording run,
    and the state (and failure) of the newest of each."""
    company = _tenant(session.company_id)
    newest: dict[OutputKind, SessionOutput] = {}
    for output in outputs_of(company, session):
        newest[output.kind] = output
    live, recording = newest.get(OutputKind.HLS), newest.get(OutputKind.RECORDING)
    return node_api.SetOutputs(
        session_id=session.public_id,
        live=live is not None and live.running,
        recording=recording is not None and recording.running,
        live_state=live.state.value if live else "",
        recording_state=recording.state.value if recording else "",
        reason="; ".join(o.reason for o in (live, recording) if o is not None and o.reason))


@job_handler(WATCH_EGRESS)
def watch_egress(payload: dict[str, Any]) -> None:
    """An egress with running outputs that stopped heart-beating: they fail
    ("the egress process stopped"), and its recordings are kept as partial
    ones; one still alive is checked again later."""
    egress = db.session.get(EgressNode, payload["egress_node_id"])
    if egress is None or not running_on(egress):
        return
    if is_alive(egress):
        watch_later(egress)
        return
    fail_egress_outputs(egress)


@job_handler(AUTO_RECORD)
def auto_record(payload: dict[str, Any]) -> None:
    """A session started in a room that records by itself (auto_record video
    or audio, or its options' auto_start_recording). No egress available:
    the job fails and is retried."""
    session = db.session.get(MeetingSession, payload["session_id"])
    if session is None or session.ended_at is not None:
        return
    mode = auto_record_mode(session.room)
    if mode is None:
        return
    start_recording(_tenant(session.company_id), session, audio_only=mode == "audio")


@job_handler(SESSION_ENDED)
def stop_ended_sessions_outputs(payload: dict[str, Any]) -> None:
    session = db.session.get(MeetingSession, payload["session_id"])
    if session is not None:
        stop_session_outputs(session)


@job_handler(SESSION_MOVED)
def follow_moved_session(payload: dict[str, Any]) -> None:
    """The session's media node died and the session runs on another now:
    its egress joins it there, and its outputs go on (a recording as more
    chunks of the same recording). No egress reachable: retried."""
    session = db.session.get(MeetingSession, payload["session_id"])
    if session is not None and session.ended_at is None:
        follow_session(_tenant(session.company_id), session)


def _tenant(company_id: int) -> Tenant:
    company = db.session.get(Company, company_id)
    assert company is not None
    return Tenant.of(company)
