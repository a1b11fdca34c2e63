"""Joining a meeting: the room, its running session, its media node, and the
join token that lets one person in. Every operation takes the tenant."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.core.db import utcnow
from app.core.security import constant_time_equal, join_token_keys
from app.errors import BadRequest, Forbidden, NotFound, Unauthorized
from app.extensions import db
from app.modules.hosts.models import Host, HostRole
from app.modules.media_nodes.control import send_control
from app.modules.media_nodes.models import MediaNode
from app.modules.media_nodes.operations import is_live, least_loaded_node
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.tenants.models import Company
from app.protocol.join_token import (
    DEFAULT_PERMISSIONS,
    InvalidJoinToken,
    JoinGrant,
    Permission,
    Role,
    sign,
    verify,
)
from app.protocol.messages import Message
from app.protocol.node_api import EndSession, EventKind, Kick, NodeEvents

T = TypeVar("T")


@dataclass(frozen=True)
class JoinTicket:
    session_id: str
    participant_id: str
    role: Role
    node_url: str
    ice_servers: list[str]
    token: str
    expires_at: int


def host_by_access_code(company: Company, access_code: str) -> Host:
    host = db.session.execute(
        sa.select(Host).where(Host.company_id == company.id, Host.access_code == access_code,
                              Host.deleted_at.is_(None))
    ).scalar()
    if host is None:
        raise NotFound("No meeting room has this address")
    return host


def personal_room(company: Company, host: Host) -> Room:
    """The host's own room, created at its first use."""
    assert host.company_id == company.id
    return _get_or_create(
        lambda: db.session.execute(sa.select(Room).where(Room.host_id == host.id)).scalar(),
        lambda: Room(company_id=company.id, host_id=host.id))


def running_session(company: Company, room: Room) -> MeetingSession:
    """The room's running session, or a new one (starting is idempotent)."""
    assert room.company_id == company.id
    return _get_or_create(
        lambda: db.session.execute(
            sa.select(MeetingSession)
            .where(MeetingSession.room_id == room.id, MeetingSession.ended_at.is_(None))
        ).scalar(),
        lambda: MeetingSession(public_id=secrets.token_urlsafe(12), company_id=company.id,
                               room_id=room.id))


def place_session(company: Company, session: MeetingSession) -> MediaNode:
    """The session's media node: its current one while that lives, else the
    least-loaded live node. The session row is locked, so two first joins
    at once agree on one node."""
    locked = db.session.execute(
        sa.select(MeetingSession)
        .where(MeetingSession.id == session.id, MeetingSession.company_id == company.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    node = locked.media_node
    if node is None or not is_live(node):
        node = least_loaded_node()
        locked.media_node = node
        db.session.flush()
    return node


def join_room(company: Company, host: Host, display_name: str, role: Role) -> JoinTicket:
    """A ticket into the running session of ``host``'s personal room."""
    session = running_session(company, personal_room(company, host))
    node = place_session(company, session)
    participant = Participant(public_id=secrets.token_urlsafe(12), session_id=session.id,
                              display_name=display_name, role=role.value)
    db.session.add(participant)
    db.session.flush()
    settings = current_app.config["SETTINGS"]
    private_pem, _ = join_token_keys(settings.secret_key, settings.join_token_private_key)
    now = time.time()
    token = sign(JoinGrant(
        session_id=session.public_id, participant_id=participant.public_id,
        display_name=display_name, role=role, permissions=DEFAULT_PERMISSIONS[role],
        node_id=node.node_id, extra={"company": str(company.id)}),
        private_pem, ttl_seconds=settings.join_token_ttl_seconds, now=now)
    return JoinTicket(
        session_id=session.public_id, participant_id=participant.public_id, role=role,
        node_url=f"{node.url}/sessions/{session.public_id}/ws",
        ice_servers=settings.ice_server_urls, token=token,
        expires_at=int(now) + settings.join_token_ttl_seconds)


def role_for(company: Company, host: Host, caller: Host | None,
             moderator_pin: str | None) -> Role:
    """Moderator for the room's host, an admin of its company, or the right
    moderator PIN; a wrong PIN is refused rather than quietly demoted."""
    if caller is not None:
        admin = caller.company_id == company.id and caller.role.rank >= HostRole.COMPANY_ADMIN.rank
        reseller_admin = caller.role is HostRole.RESELLER_ADMIN and \
            caller.reseller_id == company.reseller_id
        if caller.id == host.id or admin or reseller_admin:
            return Role.MODERATOR
    if moderator_pin is not None:
        if not constant_time_equal(moderator_pin, host.moderator_pin):
            raise Forbidden("Wrong moderator PIN")
        return Role.MODERATOR
    return Role.ATTENDEE


def record_events(events: NodeEvents) -> None:
    """What a node saw: when participants actually joined and left."""
    for event in events.events:
        if event.kind not in (EventKind.JOINED, EventKind.LEFT):
            continue
        column = "joined_at" if event.kind is EventKind.JOINED else "left_at"
        # Only for a session placed on the node that reports it.
        session = sa.select(MeetingSession.id).join(MeetingSession.media_node).where(
            MeetingSession.public_id == event.session_id, MediaNode.node_id == events.node_id)
        db.session.execute(
            sa.update(Participant)
            .where(Participant.public_id == event.participant_id,
                   Participant.session_id.in_(session))
            .values({column: datetime.fromtimestamp(event.at, UTC)})
        )


def _get_or_create(find: Callable[[], T | None], make: Callable[[], T]) -> T:
    found = find()
    if found is not None:
        return found
    try:
        with db.session.begin_nested():  # a concurrent request may create it first
            made = make()
            db.session.add(made)
    except IntegrityError:
        found = find()
        assert found is not None
        return found
    return made


MODERATOR_TOKEN_GRACE_SECONDS = 12 * 3600


def moderate(company: Company, session_id: str, token: str | None, command: Message) -> None:
    """Carry out ``command`` (kick, mute, lock, end) for the moderator whose
    join token this is; ending also ends the session on the web's side."""
    session = db.session.execute(
        sa.select(MeetingSession).where(MeetingSession.public_id == session_id,
                                        MeetingSession.company_id == company.id,
                                        MeetingSession.ended_at.is_(None))
    ).scalar()
    if session is None:
        raise NotFound("No running meeting has this id")
    grant = _moderator(token, session_id)
    if session.media_node is None:
        raise NotFound("Nobody has joined this meeting yet")
    if isinstance(command, Kick) and command.participant_id == grant.participant_id:
        raise BadRequest("Leave the meeting instead of removing yourself")
    result = send_control(session.media_node, command)
    if isinstance(command, EndSession):
        session.ended_at = utcnow()
        db.session.flush()
    elif not result.ok:
        raise NotFound("No such participant in this meeting")


def _moderator(token: str | None, session_id: str) -> JoinGrant:
    if not token:
        raise Unauthorized("A moderator's join token is required")
    settings = current_app.config["SETTINGS"]
    _, public_pem = join_token_keys(settings.secret_key, settings.join_token_private_key)
    try:
        grant = verify(token, public_pem, expired_for=MODERATOR_TOKEN_GRACE_SECONDS)
    except InvalidJoinToken as exc:
        raise Unauthorized(str(exc)) from exc
    if grant.session_id != session_id or not grant.may(Permission.MODERATE):
        raise Forbidden("Only a moderator of this meeting may do this")
    return grant
