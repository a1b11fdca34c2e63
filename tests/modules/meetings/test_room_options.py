"""A room's options carried out by the domain (room_rules.py): who may come
in, the lobby, sessions that end or record by themselves, recording rules,
and what each participant's join grant allows. Real database, real worker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.security import join_token_keys
from app.errors import Forbidden, GuestsNotAllowed, MeetingFull
from app.extensions import db, settings
from app.jobs.models import Job, JobStatus
from app.jobs.worker import Worker
from app.modules.events.models import Event, EventType
from app.modules.meetings import integration, outbox
from app.modules.meetings.commands import AS_INTEGRATOR
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.meetings.operations import (
    AUTO_RECORD,
    issue_ticket,
    place_session,
    record_events,
    running_session,
)
from app.modules.meetings.passes import issue_pass, join_by_pass
from app.modules.meetings.room_rules import END_AFTER_DURATION, END_WITHOUT_MODERATOR
from app.modules.outputs.commands import start_recording
from app.modules.tenants.models import Company, Tenant
from app.protocol.join_token import (
    DEFAULT_PERMISSIONS,
    MUTED_CLAIM,
    Permission,
    Role,
    verify,
)
from app.protocol.node_api import EventKind, NodeEvents, ParticipantEvent
from tests.modules.meetings.integration import tenant_of


def _session(info: dict[str, Any], room_id: str, **options: Any) -> MeetingSession:
    tenant = tenant_of(info)
    room, _ = integration.integration_room(tenant, "test", room_id, title="Maths",
                                           options=options)
    return running_session(tenant, room)


def _present(session: MeetingSession, name: str, role: Role = Role.ATTENDEE,
             guest: bool = False) -> Participant:
    participant = issue_pass(_tenant_of(session), session, name, role, guest=guest).participant
    participant.joined_at = utcnow()
    db.session.flush()
    return participant


def _tenant_of(session: MeetingSession) -> Tenant:
    row = db.session.get(Company, session.company_id)
    assert row is not None
    return Tenant.of(row)


def _ended_reason(session_id: str) -> str | None:
    events = db.session.execute(sa.select(Event).where(
        Event.type == EventType.MEETING_ENDED)).scalars().all()
    reasons = [e.data["reason"] for e in events if e.data["session_id"] == session_id]
    return reasons[0] if reasons else None


# --- who may come in ---------------------------------------------------------------


def test_a_full_room_refuses_passes_and_joins_but_not_the_recorder_or_a_rejoin(ctx, company):
    session = _session(company, "full", max_participants=2)
    tenant = tenant_of(company)
    ann = issue_pass(tenant, session, "Ann", Role.MODERATOR)
    ann.participant.joined_at = utcnow()
    _present(session, "Bob")
    recorder = Participant(public_id="rec", session_id=session.id, display_name="Recorder",
                           role=Role.RECORDER.value, joined_at=utcnow())
    db.session.add(recorder)
    db.session.flush()
    with pytest.raises(MeetingFull, match="at most 2"):
        issue_pass(tenant_of(company), session, "Cy", Role.ATTENDEE)
    assert db.session.execute(sa.select(sa.func.count()).select_from(Participant).where(
        Participant.display_name == "Cy")).scalar() == 0
    # Those in may come back (a reload, a reconnect): they are not counted twice.
    assert join_by_pass(tenant, ann.key).participant_id == ann.participant.public_id


def test_a_pass_made_before_the_room_filled_cannot_join_once_it_is_full(ctx, company):
    session = _session(company, "later", max_participants=1)
    tenant = tenant_of(company)
    late = issue_pass(tenant, session, "Late", Role.ATTENDEE)
    _present(session, "First")
    with pytest.raises(MeetingFull):
        join_by_pass(tenant, late.key)


def test_a_room_that_denies_guests_refuses_guest_passes_only(ctx, company):
    session = _session(company, "deny", guest_policy="always_deny")
    with pytest.raises(GuestsNotAllowed):
        issue_pass(tenant_of(company), session, "Visitor", Role.GUEST, guest=True)
    assert issue_pass(tenant_of(company), session, "Member", Role.ATTENDEE).participant.id


def test_rooms_without_options_let_everyone_in(ctx, company):
    session = _session(company, "plain")
    for number in range(5):
        _present(session, f"P{number}", guest=True)
    assert issue_pass(tenant_of(company), session, "Guest", Role.GUEST, guest=True).key


def test_a_lobby_guest_waits_until_a_moderator_lets_them_in(company, client):
    host = {"Host": company["host_name"]}
    with client.application.app_context():
        session = _session(company, "lobby", guest_policy="ask_moderator")
        tenant = tenant_of(company)
        moderator = issue_pass(tenant, session, "Mo", Role.MODERATOR).key
        guest = issue_pass(tenant, session, "Gus", Role.GUEST, guest=True)
        other = issue_pass(tenant, session, "Olga", Role.GUEST, guest=True)
        member = issue_pass(tenant, session, "Mia", Role.ATTENDEE).key
        session_id, guest_id = session.public_id, guest.participant.public_id
        other_id = other.participant.public_id
        db.session.commit()
    waiting = client.post(f"/api/v1/passes/{guest.key}/join", headers=host)
    assert waiting.status_code == 202 and waiting.json["waiting"] is True
    assert client.post(f"/api/v1/passes/{member}/join", headers=host).status_code == 200
    token = client.post(f"/api/v1/passes/{moderator}/join", headers=host).json["token"]
    moderator_auth = {**host, "Authorization": f"Bearer {token}"}
    lobby = client.get(f"/api/v1/sessions/{session_id}/lobby", headers=moderator_auth)
    assert [g["display_name"] for g in lobby.json["waiting"]] == ["Gus", "Olga"]
    # Only a moderator sees or answers the lobby.
    member_token = client.post(f"/api/v1/passes/{member}/join", headers=host).json["token"]
    assert client.get(f"/api/v1/sessions/{session_id}/lobby", headers={
        **host, "Authorization": f"Bearer {member_token}"}).status_code == 403
    for participant_id, admitted in ((guest_id, True), (other_id, False)):
        answer = client.post(f"/api/v1/sessions/{session_id}/admit", headers=moderator_auth,
                             json={"participant_id": participant_id, "admitted": admitted})
        assert answer.status_code == 200, answer.json
    joined = client.post(f"/api/v1/passes/{guest.key}/join", headers=host)
    assert joined.status_code == 200 and joined.json["role"] == "guest"
    turned_away = client.post(f"/api/v1/passes/{other.key}/join", headers=host)
    assert turned_away.status_code == 403 and "did not let you in" in turned_away.json["message"]
    assert client.get(f"/api/v1/sessions/{session_id}/lobby",
                      headers=moderator_auth).json["waiting"] == []
    again = client.post(f"/api/v1/sessions/{session_id}/admit", headers=moderator_auth,
                        json={"participant_id": other_id})
    assert again.status_code == 404


# --- sessions that end or record by themselves ---------------------------------------


def test_a_session_ends_by_itself_when_its_duration_runs_out(company, client):
    app = client.application
    with app.app_context():
        session = _session(company, "timed", duration_minutes=30)
        session_id, started = session.public_id, utcnow()
        db.session.commit()
    worker = Worker(app)
    worker.run_until_idle(now=started + timedelta(minutes=29))
    with app.app_context():
        assert db.session.execute(sa.select(MeetingSession.ended_at).where(
            MeetingSession.public_id == session_id)).scalar() is None
        assert db.session.execute(sa.select(Job).where(
            Job.kind == END_AFTER_DURATION)).scalar() is not None
    worker.run_until_idle(now=started + timedelta(minutes=31))
    with app.app_context():
        assert _ended_reason(session_id) == outbox.ENDED_DURATION


def _events(session: MeetingSession, participant: Participant,
            *timed: tuple[EventKind, float]) -> None:
    record_events(NodeEvents(node_id="node-a", events=[
        ParticipantEvent(kind, session.public_id, participant.public_id, at)
        for kind, at in timed]))


# The last moderator left this many seconds ago (the room waits 120 s), and
# whether they came back; then whether the session ended.
@pytest.mark.parametrize(("left_ago", "returned", "ends"), [
    (130, False, True), (60, False, False), (130, True, False)])
def test_the_last_moderator_leaving_ends_the_session_after_the_delay_unless_one_returns(
        company, client, left_ago, returned, ends):
    app = client.application
    with app.app_context():
        session = _session(company, "nomod", end_when_no_moderator=True,
                           end_when_no_moderator_minutes=2)
        place_session(tenant_of(company), session)
        first, last = (_present(session, name, Role.MODERATOR) for name in ("Mo", "Max"))
        _present(session, "Attendee")
        now = utcnow().timestamp()
        _events(session, first, (EventKind.JOINED, now - 300), (EventKind.LEFT, now - 200))
        _events(session, last, (EventKind.JOINED, now - 300), (EventKind.LEFT, now - left_ago),
                *([(EventKind.JOINED, now - left_ago + 5)] if returned else []))
        session_id = session.public_id
        db.session.commit()
    # The first leaver's job is due; it ends the session only once the last
    # leaver's delay is over too, else waits for that (a job for later).
    Worker(app).run_until_idle()
    with app.app_context():
        assert _ended_reason(session_id) == (outbox.ENDED_NO_MODERATOR if ends else None)
        pending = db.session.execute(sa.select(Job.run_at).where(
            Job.kind == END_WITHOUT_MODERATOR, Job.status == JobStatus.PENDING)).scalars().all()
        assert bool(pending) == (not ends and not returned)


def test_auto_start_recording_queues_the_recording_when_the_room_records(ctx, company):
    recorded = _session(company, "rec", auto_start_recording=True)
    never = _session(company, "norec", auto_start_recording=True, record=False)
    payloads = db.session.execute(sa.select(Job.payload).where(
        Job.kind == AUTO_RECORD)).scalars().all()
    assert {"session_id": recorded.id} in payloads
    assert {"session_id": never.id} not in payloads


def test_recording_is_refused_where_the_room_forbids_it(ctx, company):
    tenant = tenant_of(company)
    not_recorded = _session(company, "off", record=False)
    place_session(tenant, not_recorded)
    with pytest.raises(Forbidden, match="may not be recorded"):
        start_recording(tenant, not_recorded.public_id, AS_INTEGRATOR)
    fixed = _session(company, "fixed", allow_start_stop_recording=False)
    place_session(tenant, fixed)
    moderator = _present(fixed, "Mo", Role.MODERATOR)
    token = issue_ticket(tenant, fixed, fixed.media_node, moderator).token  # type: ignore[arg-type]
    with pytest.raises(Forbidden, match="not started or stopped by moderators"):
        start_recording(tenant, fixed.public_id, token)


# --- the join grant ----------------------------------------------------------------


def _grant(session: MeetingSession, participant: Participant, resuming: bool = False) -> Any:
    tenant = _tenant_of(session)
    node = place_session(tenant, session)
    token = issue_ticket(tenant, session, node, participant, resuming=resuming).token
    config = settings()
    _, public_pem = join_token_keys(config.secret_key, config.join_token_private_key)
    return verify(token, public_pem)


def test_locks_and_the_webcam_rule_narrow_attendees_grants_not_moderators(ctx, company):
    session = _session(company, "locked", webcams_only_for_moderator=True, mute_on_start=True,
                       lock={"disable_camera": True, "disable_microphone": True,
                             "disable_public_chat": True, "disable_private_chat": True})
    attendee = _grant(session, _present(session, "Ann"))
    assert attendee.permissions == DEFAULT_PERMISSIONS[Role.ATTENDEE] - {
        Permission.PUBLISH_VIDEO, Permission.PUBLISH_AUDIO, Permission.CHAT_PUBLIC,
        Permission.CHAT_PRIVATE, Permission.SEE_ALL_CAMERAS}
    assert attendee.extra[MUTED_CLAIM] == "1"
    moderator = _grant(session, _present(session, "Mo", Role.MODERATOR))
    assert moderator.permissions == DEFAULT_PERMISSIONS[Role.MODERATOR]
    # Muted at the start only: a resuming participant keeps what they chose.
    assert MUTED_CLAIM not in _grant(session, _present(session, "Back"), resuming=True).extra


def test_locks_that_do_not_apply_at_join_and_rooms_without_options_change_nothing(
        ctx, company):
    later = _session(company, "later-lock", lock={"disable_camera": True,
                                                  "lock_on_join": False})
    plain = _session(company, "plain-grant")
    for session in (later, plain):
        grant = _grant(session, _present(session, "Ann"))
        assert grant.permissions == DEFAULT_PERMISSIONS[Role.ATTENDEE]
        assert MUTED_CLAIM not in grant.extra
