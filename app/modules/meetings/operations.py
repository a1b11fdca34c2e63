"""Joining a meeting: the room, its running session, its media node, and the
join token that lets one person in. Every operation takes the tenant."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.core.db import utcnow
from app.core.security import constant_time_equal, join_token_keys, keyed_digest
from app.errors import Conflict, Forbidden, Gone, NotFound, Unauthorized
from app.extensions import db, settings
from app.jobs import enqueue
from app.modules.access import Actor, Caller, administers_company, require_may_manage
from app.modules.hosts.models import Host
from app.modules.hosts.operations import load_host
from app.modules.media_nodes.models import MediaNode
from app.modules.media_nodes.operations import confirm_lost, is_alive, least_loaded_node
from app.modules.meetings import outbox
from app.modules.meetings.activity import record_activity
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.modules.meetings.room_rules import (
    auto_record_mode,
    moderator_left,
    permissions_for,
    require_room_for,
    schedule_session_end,
    starts_muted,
)
from app.modules.meetings.scheduling import (
    Address,
    RoomState,
    answers_to,
    invited_moderator,
    state_of,
)
from app.modules.settings.operations import room_settings
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url
from app.protocol.join_token import (
    MUTED_CLAIM,
    RESUME_CLAIM,
    InvalidJoinToken,
    JoinGrant,
    Role,
    sign,
    verify,
)
from app.protocol.node_api import EventKind, NodeEvents
from app.protocol.signalling import MuteMode

T = TypeVar("T")

# Job kinds that the outputs domain handles (meetings does not import it):
# payload {"session_id"} (the row id).
AUTO_RECORD = "meetings.auto_record"  # a session started in a room that records by itself
SESSION_ENDED = "meetings.session_ended"  # its outputs stop
SESSION_MOVED = "meetings.session_moved"  # placed on another node: its egress follows


@dataclass(frozen=True)
class JoinTicket:
    session_id: str
    participant_id: str
    role: Role
    node_url: str
    ice_servers: list[str]
    token: str
    expires_at: int


def find_personal_room(company: Tenant, host: Host) -> Room | None:
    """The host's own room, if it was ever used."""
    assert host.company_id == company.id
    return db.session.execute(sa.select(Room).where(Room.host_id == host.id)).scalar()


def personal_room(company: Tenant, host: Host) -> Room:
    """The host's own room, created at its first use."""
    return get_or_create(lambda: find_personal_room(company, host),
                          lambda: Room(company_id=company.id, host_id=host.id,
                                       organizer_id=host.id))


@dataclass(frozen=True)
class PersonalRoom:
    """A host's own room and the rules it sets (None: the company's default)."""

    host_id: int
    meeting_url: str
    security_pin: str | None
    mute_mode: MuteMode | None

    @classmethod
    def of(cls, tenant: Tenant, host: Host, room: Room | None) -> PersonalRoom:
        return cls(host_id=host.id, meeting_url=company_url(tenant, host.meeting_path),
                   security_pin=room.security_pin if room else None,
                   mute_mode=room.mute_mode if room else None)


def get_room(actor: Actor, host_id: int) -> PersonalRoom:
    """A host's room as the actor may see it (never used: all defaults)."""
    host = load_host(actor, host_id)
    tenant = Tenant.of(host.company)
    return PersonalRoom.of(tenant, host, find_personal_room(tenant, host))


def update_room(actor: Actor, host_id: int, changes: dict[str, Any]) -> PersonalRoom:
    """Change a host's room rules: the host itself, or whoever may manage it."""
    host = load_host(actor, host_id)
    if host.id != actor.caller.id:
        require_may_manage(actor, host.role)
    tenant = Tenant.of(host.company)
    room = personal_room(tenant, host)
    for key, value in changes.items():
        setattr(room, key, value)
    db.session.flush()
    return PersonalRoom.of(tenant, host, room)


def running_session(company: Tenant, room: Room) -> MeetingSession:
    """The room's running session, or a new one under the room's current
    rules (starting is idempotent)."""
    assert room.company_id == company.id
    made: list[MeetingSession] = []

    def make() -> MeetingSession:
        made.append(MeetingSession(public_id=secrets.token_urlsafe(12), company_id=company.id,
                                   room_id=room.id,
                                   mute_mode=room_settings(company, room).mute_mode))
        return made[-1]

    session = get_or_create(
        lambda: db.session.execute(
            sa.select(MeetingSession)
            .where(MeetingSession.room_id == room.id, MeetingSession.ended_at.is_(None))
        ).scalar(), make)
    if made and session is made[-1]:
        outbox.session_started(session)
        schedule_session_end(session, room)
        if auto_record_mode(room) is not None:
            enqueue(AUTO_RECORD, {"session_id": session.id})
    return session


def place_session(company: Tenant, session: MeetingSession) -> MediaNode:
    """The session's media node: its current one while that lives (a draining
    node keeps its running sessions), else the least-loaded live node. The
    session row is locked, so two first joins at once agree on one node.
    A session that moves tells the outputs (SESSION_MOVED): its egress
    follows it to the new node."""
    locked = db.session.execute(
        sa.select(MeetingSession)
        .where(MeetingSession.id == session.id, MeetingSession.company_id == company.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    node = locked.media_node
    if node is None or not is_alive(node):
        moved = node is not None
        node = least_loaded_node()
        locked.media_node = node
        db.session.flush()
        if moved:
            enqueue(SESSION_MOVED, {"session_id": locked.id})
    return node


def join_room(company: Tenant, address: Address, display_name: str,
              admission: Admission) -> JoinTicket:
    """A ticket into the running session of the room at ``address``."""
    require_open(address)
    room = address.room or personal_room(company, address.organizer)
    session = running_session(company, room)
    require_room_for(session, guest=False)
    # Placing locks the session row: before the participant's insert, whose
    # foreign key share-locks it too (two first joins would deadlock).
    node = place_session(company, session)
    pin = admission.moderator_pin
    participant = Participant(public_id=secrets.token_urlsafe(12), session_id=session.id,
                              display_name=display_name, role=admission.role.value,
                              moderator_pin_digest=keyed_digest(pin) if pin else None)
    db.session.add(participant)
    db.session.flush()
    return issue_ticket(company, session, node, participant)


def recorder_ticket(company: Tenant, session: MeetingSession) -> JoinTicket:
    """A ticket for a hidden RECORDER in ``session`` (the egress joins with it
    to compose the session's outputs)."""
    node = place_session(company, session)
    participant = Participant(public_id=secrets.token_urlsafe(12), session_id=session.id,
                              display_name="Recorder", role=Role.RECORDER.value)
    db.session.add(participant)
    db.session.flush()
    return issue_ticket(company, session, node, participant)


def require_open(address: Address) -> None:
    """409 before a scheduled room opens, 410 once it has closed."""
    state = state_of(address.room, utcnow())
    if state is RoomState.WAITING:
        assert address.room is not None and address.room.opens_at is not None
        raise Conflict(f"This meeting opens at {address.room.opens_at.isoformat()}")
    if state is RoomState.CLOSED:
        raise Gone("This meeting is over")


# How long after its token expired a participant may still resume: long
# enough to ride out a network loss or a media node's failure.
REJOIN_GRACE_SECONDS = 15 * 60


def rejoin_room(company: Tenant, code: str, token: str, lost_node: bool = False) -> JoinTicket:
    """A new ticket for the participant whose (recent) join token this is,
    same name and role, perhaps on another media node: how a page reconnects
    without asking for PINs again. The room need not be the one ``code``
    opens now (a scheduled room's window began meanwhile), only one it opened.
    ``lost_node``: the client lost its connection to the node its token
    names; when the session is still there, that node is checked at once
    (``check_lost_node``)."""
    grant = grant_of(token, expired_for=REJOIN_GRACE_SECONDS)
    found = db.session.execute(
        sa.select(Participant, MeetingSession).join(
            MeetingSession, Participant.session_id == MeetingSession.id)
        .where(Participant.public_id == grant.participant_id,
               MeetingSession.public_id == grant.session_id,
               MeetingSession.company_id == company.id)
    ).first()
    if found is None or not answers_to(found[1].room, code):
        raise NotFound("This join token is not for this meeting room")
    participant, session = found
    if session.ended_at is not None:
        raise Gone("The meeting has ended")
    if participant.removed_at is not None:
        raise Forbidden("A moderator removed you from this meeting")
    if lost_node and session.media_node is not None \
            and session.media_node.node_id == grant.node_id:
        check_lost_node(session)
    return issue_ticket(company, session, place_session(company, session), participant,
                   resuming=participant.joined_at is not None)


def check_lost_node(session: MeetingSession) -> None:
    """A client says it lost the session's node: the web asks that node at
    once and takes it for dead when nothing listens there any more, so the
    placement that follows puts the session elsewhere (a node that is only
    slow stays: ``media_nodes.operations.confirm_lost``)."""
    if session.media_node is not None:
        confirm_lost(session.media_node.node_id)


def issue_ticket(company: Tenant, session: MeetingSession, node: MediaNode,
            participant: Participant, resuming: bool = False) -> JoinTicket:
    role = Role(participant.role)
    room = session.room
    extra = {"company": str(company.id), RESUME_CLAIM: "1" if resuming else "0"}
    if starts_muted(room) and not resuming:
        extra[MUTED_CLAIM] = "1"
    config = settings()
    private_pem, _ = join_token_keys(config.secret_key, config.join_token_private_key)
    now = time.time()
    token = sign(JoinGrant(
        session_id=session.public_id, participant_id=participant.public_id,
        display_name=participant.display_name, role=role,
        permissions=permissions_for(room, role), node_id=node.node_id,
        mute_mode=session.mute_mode, locked=session.locked, extra=extra),
        private_pem, ttl_seconds=config.join_token_ttl_seconds, now=now)
    return JoinTicket(
        session_id=session.public_id, participant_id=participant.public_id, role=role,
        node_url=f"{node.url}/sessions/{session.public_id}/ws",
        ice_servers=list(config.ice_servers), token=token,
        expires_at=int(now) + config.join_token_ttl_seconds)


@dataclass(frozen=True)
class Admission:
    """How someone may join: their role, and the moderator PIN that made them
    moderator (None when their credentials did, or for attendees)."""

    role: Role
    moderator_pin: str | None = None


def role_for(company: Tenant, address: Address, caller: Caller | None,
             moderator_pin: str | None, security_pin: str | None = None,
             invite: str | None = None) -> Admission:
    """Moderator for the room's organizer, an admin of its company, the
    holder of a moderator invitation to this room, or the right moderator PIN
    (the organizer's); anyone else is an attendee, who must give the room's
    security PIN when it has one. A wrong PIN or invitation is refused,
    never a quiet demotion."""
    host = address.organizer
    if caller is not None and (
            caller.id == host.id or administers_company(caller, company.id, company.reseller_id)):
        return Admission(Role.MODERATOR)
    if invite is not None:
        if address.room is None or invited_moderator(address.room, invite) is None:
            raise Forbidden("This invitation is not for this meeting")
        return Admission(Role.MODERATOR)
    if moderator_pin is not None:
        if not constant_time_equal(moderator_pin, host.moderator_pin):
            raise Forbidden("Wrong moderator PIN")
        return Admission(Role.MODERATOR, moderator_pin)
    required = room_settings(company, address.room).security_pin
    if required is not None:
        if security_pin is None:
            raise Unauthorized("This meeting asks for its PIN")
        if not constant_time_equal(security_pin, required):
            raise Forbidden("Wrong meeting PIN")
    return Admission(Role.ATTENDEE)


def record_events(events: NodeEvents) -> None:
    """What a node saw: when participants actually joined and left, and what
    they did (activity.py)."""
    record_activity(events)
    for event in events.events:
        if event.kind not in (EventKind.JOINED, EventKind.LEFT):
            continue
        column = "joined_at" if event.kind is EventKind.JOINED else "left_at"
        # Only for a session placed on the node that reports it.
        session = sa.select(MeetingSession.id).join(MeetingSession.media_node).where(
            MeetingSession.public_id == event.session_id, MediaNode.node_id == events.node_id)
        stored = db.session.execute(
            sa.update(Participant)
            .where(Participant.public_id == event.participant_id,
                   Participant.session_id.in_(session))
            .values({column: datetime.fromtimestamp(event.at, UTC)})
        )
        if stored.rowcount:  # type: ignore[attr-defined]
            outbox.participant_changed(event.session_id, event.participant_id,
                                       joined=event.kind is EventKind.JOINED)
            if event.kind is EventKind.LEFT:
                _left(event.session_id, event.participant_id)


def _left(session_id: str, participant_id: str) -> None:
    """What a room's options do when someone leaves (room_rules.moderator_left)."""
    found = db.session.execute(
        sa.select(Participant, MeetingSession).join(
            MeetingSession, Participant.session_id == MeetingSession.id)
        .where(Participant.public_id == participant_id,
               MeetingSession.public_id == session_id)).first()
    if found is not None and found[1].ended_at is None:
        moderator_left(found[1], found[0])


def get_or_create(find: Callable[[], T | None], make: Callable[[], T]) -> T:
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


def grant_of(token: str, expired_for: int) -> JoinGrant:
    """The grant of a join token this web signed, accepted up to ``expired_for``
    seconds after it expired; 401 when it is not one."""
    config = settings()
    _, public_pem = join_token_keys(config.secret_key, config.join_token_private_key)
    try:
        return verify(token, public_pem, expired_for=expired_for)
    except InvalidJoinToken as exc:
        raise Unauthorized(str(exc)) from exc
