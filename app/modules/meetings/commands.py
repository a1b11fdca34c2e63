"""What a moderator does to a running meeting: one operation per command.

Each proves the moderator by their join token, sends the command's protocol
message (app/protocol/node_api.py) to the session's media node, whose one
handler carries it out, and keeps here what outlives the node: the session's
end, mute mode and lock, and who was removed. A new command is a message, an
operation here, and a handler on the node (docs/architecture.md)."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.security import constant_time_equal, keyed_digest
from app.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings import outbox
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.meetings.operations import SESSION_ENDED, grant_of
from app.modules.meetings.room_rules import ADMITTED, DENIED, WAITING, in_lobby
from app.modules.tenants.models import Tenant
from app.protocol import node_api
from app.protocol.join_token import LEEWAY_SECONDS, JoinGrant, Permission
from app.protocol.signalling import MuteMode

log = logging.getLogger(__name__)

# An expired join token still names its holder, but proves a moderator only
# while they stand in the meeting (``_moderated``); this only bounds how old a
# token may be at all: no meeting runs longer.
MODERATOR_TOKEN_MAX_AGE_SECONDS = 7 * 24 * 3600
NO_SESSION = "No running meeting has this id"


class AsIntegrator:
    """Stands for a moderator's join token when an API client acts: the
    dialect has proven it speaks for the tenant (BBB checksum, API key), and
    it may do to any of the tenant's running sessions what a moderator may."""

    def __repr__(self) -> str:
        return "AS_INTEGRATOR"


AS_INTEGRATOR = AsIntegrator()
# Who asks: a moderator's join token (None: none given), or an API client.
Authority = str | AsIntegrator | None


def kick(tenant: Tenant, session_id: str, token: Authority, participant_id: str) -> None:
    """Remove a participant; they may join again as someone new, never resume."""
    session, moderator = _moderated(tenant, session_id, token)
    if moderator is not None and participant_id == moderator.participant_id:
        raise BadRequest("Leave the meeting instead of removing yourself")
    _send(session, node_api.Kick(session_id=session_id, participant_id=participant_id))
    db.session.execute(sa.update(Participant).where(
        Participant.session_id == session.id,
        Participant.public_id == participant_id).values(removed_at=utcnow()))


def mute(tenant: Tenant, session_id: str, token: Authority, participant_id: str) -> None:
    session, _ = _moderated(tenant, session_id, token)
    _send(session, node_api.MuteParticipant(session_id=session_id,
                                            participant_id=participant_id))


def mute_all(tenant: Tenant, session_id: str, token: Authority) -> None:
    """Mute every participant but the moderators."""
    session, _ = _moderated(tenant, session_id, token)
    _send(session, node_api.MuteParticipant(session_id=session_id))


def lock(tenant: Tenant, session_id: str, token: Authority, locked: bool = True) -> None:
    """Lock the session to new participants (or open it again)."""
    session, _ = _moderated(tenant, session_id, token)
    _send(session, node_api.LockSession(session_id=session_id, locked=locked))
    session.locked = locked


def unlock(tenant: Tenant, session_id: str, token: Authority) -> None:
    lock(tenant, session_id, token, locked=False)


def end(tenant: Tenant, session_id: str, token: Authority) -> None:
    """End the session for everyone; the room's next join starts a new one."""
    session, _ = _moderated(tenant, session_id, token, needs_node=False)
    end_session(tenant, session, outbox.ENDED_BY_MODERATOR if isinstance(token, str)
                else outbox.ENDED_BY_API)


def end_session(tenant: Tenant, session: MeetingSession, reason: str) -> None:
    """End a running session of ``tenant`` for everyone, for ``reason``
    (outbox.ENDED_*): its node drops it, its outputs stop (a job), and the
    room's next join starts a new one."""
    assert session.company_id == tenant.id and session.ended_at is None
    if session.media_node is not None:
        # Ended here whatever the node says: a node that lost the session ends
        # nothing, and one that cannot be reached must not keep it running here.
        try:
            send_control(session.media_node, node_api.EndSession(session_id=session.public_id))
        except ServiceUnavailable as exc:
            log.warning("session %s ended without its node: %s", session.public_id, exc)
    session.ended_at = utcnow()
    enqueue(SESSION_ENDED, {"session_id": session.id})
    outbox.session_ended(session, reason)
    db.session.flush()


def set_mute_mode(tenant: Tenant, session_id: str, token: Authority, mode: MuteMode) -> None:
    session, _ = _moderated(tenant, session_id, token)
    _send(session, node_api.SetMuteMode(session_id=session_id, mode=mode))
    session.mute_mode = mode


def allow_speak(tenant: Tenant, session_id: str, token: Authority, participant_id: str,
                allowed: bool = True) -> None:
    """In q&a mode, let one attendee speak, or take it back."""
    session, _ = _moderated(tenant, session_id, token)
    if session.mute_mode is not MuteMode.QA:
        raise Conflict("Letting someone speak is for q&a mode; switch to it first")
    _send(session, node_api.AllowSpeak(session_id=session_id, participant_id=participant_id,
                                       allowed=allowed))


def lobby(tenant: Tenant, session_id: str, token: Authority) -> list[Participant]:
    """The guests waiting for a moderator to let them in (guest_policy
    ask_moderator), first come first."""
    session, _ = _moderated(tenant, session_id, token, needs_node=False)
    return in_lobby(session)


def admit(tenant: Tenant, session_id: str, token: Authority, participant_id: str,
          admitted: bool = True) -> None:
    """Let a guest waiting in the lobby in, or turn them away (their page
    joins, or says so, at its next try); 404 for nobody waiting by that id."""
    session, _ = _moderated(tenant, session_id, token, needs_node=False)
    stored = db.session.execute(sa.update(Participant).where(
        Participant.session_id == session.id, Participant.public_id == participant_id,
        Participant.admission == WAITING).values(admission=ADMITTED if admitted else DENIED))
    if not stored.rowcount:  # type: ignore[attr-defined]
        raise NotFound("Nobody waits in the lobby by this id")
    db.session.flush()


def send_message(tenant: Tenant, session_id: str, token: Authority, kind: str, content: str,
                 sender: Participant) -> None:
    """Send everyone in the session a message in ``sender``'s name: a chat
    line (``chat``) or data for the pages' embedding sites (``custom``);
    webhooks get it as message.sent. 404 while nobody is in the meeting."""
    session, _ = _moderated(tenant, session_id, token)
    assert sender.session_id == session.id
    _send(session, node_api.SendMessage(session_id=session_id, kind=kind, content=content,
                                        from_id=sender.public_id,
                                        from_name=sender.display_name))
    outbox.message_sent(session, sender, kind, content, utcnow())


def moderated(tenant: Tenant, session_id: str,
              token: Authority) -> tuple[MeetingSession, JoinGrant | None]:
    """``_moderated`` for the domains above meetings (outputs): their commands
    prove the moderator the same way."""
    return _moderated(tenant, session_id, token)


def _moderated(tenant: Tenant, session_id: str, token: Authority,
               needs_node: bool = True) -> tuple[MeetingSession, JoinGrant | None]:
    """The running session ``session_id`` of ``tenant`` and the grant of the
    moderator whose join token this is, while that moderator still stands:
    not removed, admitted by a PIN that is still the host's, and (once the
    token has expired) in the meeting or gone for less than the reconnect
    window (no grant for an API client: ``AS_INTEGRATOR``). A deleted host's
    meeting is over for its moderators at once. ``needs_node``: 404 while
    nobody has joined (nothing to command yet)."""
    session = db.session.execute(
        sa.select(MeetingSession).where(MeetingSession.public_id == session_id,
                                        MeetingSession.company_id == tenant.id,
                                        MeetingSession.ended_at.is_(None))
    ).scalar()
    if session is None or _host_deleted(session):
        raise NotFound(NO_SESSION)
    if isinstance(token, AsIntegrator):
        if needs_node:
            _node_of(session)
        return session, None
    if not token:
        raise Unauthorized("A moderator's join token is required")
    grant = grant_of(token, expired_for=MODERATOR_TOKEN_MAX_AGE_SECONDS)
    if grant.session_id != session_id or not grant.may(Permission.MODERATE):
        raise Forbidden("Only a moderator of this meeting may do this")
    _require_standing(session, grant)
    if needs_node:
        _node_of(session)
    return session, grant


def _require_standing(session: MeetingSession, grant: JoinGrant) -> None:
    participant = db.session.execute(
        sa.select(Participant).where(Participant.session_id == session.id,
                                     Participant.public_id == grant.participant_id)
    ).scalar()
    if participant is None or participant.removed_at is not None:
        raise Forbidden("You are no longer in this meeting")
    digest = participant.moderator_pin_digest
    if digest is not None and not constant_time_equal(digest, _current_pin_digest(session)):
        raise Forbidden("The moderator PIN you joined with has changed; join again")
    now = utcnow()
    if grant.expires_at + LEEWAY_SECONDS < now.timestamp() and \
            not participant.present(now, settings().meeting_reconnect_seconds):
        raise Unauthorized("This join token has expired and you are not in the meeting")


def _host_deleted(session: MeetingSession) -> bool:
    host = session.room.organizer
    return host is not None and host.deleted_at is not None


def _current_pin_digest(session: MeetingSession) -> str:
    host = session.room.organizer
    return keyed_digest(host.moderator_pin) if host is not None else ""


def _node_of(session: MeetingSession) -> MediaNode:
    if session.media_node is None:
        raise NotFound("Nobody has joined this meeting yet")
    return session.media_node


def _send(session: MeetingSession, command: node_api.ControlCommand) -> None:
    """Have the session's node carry out ``command``; 404 when it has no such
    participant (or the command does not apply there now)."""
    if not send_control(_node_of(session), command).ok:
        raise NotFound("No such participant in this meeting")
    db.session.flush()
