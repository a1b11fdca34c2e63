"""Passes: how an API client lets one person into a running session. The
client's join call (BBB join, the rooms API's POST /rooms and guests) makes
the participant at once, with the role and name it chose, and gets a pass:
a random key, stored only as its digest, and the meeting page's address for
it (``/conf/pass/<key>``). Whoever opens that page joins as that participant;
the pass works for as long as the session runs, for resuming too, until the
participant is removed."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.core.security import token_digest
from app.errors import Forbidden, Gone, NotFound
from app.extensions import db
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.meetings.operations import (
    JoinTicket,
    check_lost_node,
    issue_ticket,
    place_session,
)
from app.modules.meetings.room_rules import admission_for, require_admitted, require_room_for
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url
from app.protocol.join_token import Role

PASS_PATH = "/conf/pass/"
NO_PASS = "This link is not valid (or no longer)"


@dataclass(frozen=True)
class Pass:
    key: str  # shown once: only its digest is stored
    url: str  # the meeting page that joins with it
    participant: Participant


def issue_pass(company: Tenant, session: MeetingSession, display_name: str, role: Role, *,
               external_user_id: str | None = None, avatar_url: str | None = None,
               user_data: Mapping[str, Any] | None = None, guest: bool = False) -> Pass:
    """A new participant of the running ``session`` and its pass. Refused
    once the room's max_participants are in (``MeetingFull``) and for a guest
    where the room denies guests (``GuestsNotAllowed``); a guest of a room
    that asks its moderators waits in its lobby (room_rules.py)."""
    assert session.company_id == company.id
    if session.ended_at is not None:
        raise Gone("The meeting has ended")
    require_room_for(session, guest)
    key = secrets.token_urlsafe(24)
    participant = Participant(
        public_id=secrets.token_urlsafe(12), session_id=session.id,
        display_name=display_name[:100], role=role.value, pass_digest=token_digest(key),
        external_user_id=external_user_id, avatar_url=avatar_url,
        user_data=dict(user_data or {}), guest=guest, admission=admission_for(session, guest))
    db.session.add(participant)
    db.session.flush()
    return Pass(key=key, url=company_url(company, PASS_PATH + key), participant=participant)


def pass_holder(company: Tenant, key: str) -> tuple[Participant, MeetingSession]:
    """The participant a pass lets in, and its session: 404 for no pass of
    this company, 410 once the session ended, 403 once they were removed."""
    found = db.session.execute(
        sa.select(Participant, MeetingSession)
        .join(MeetingSession, Participant.session_id == MeetingSession.id)
        .where(Participant.pass_digest == token_digest(key),
               MeetingSession.company_id == company.id)).first()
    if found is None:
        raise NotFound(NO_PASS)
    participant, session = found
    if session.ended_at is not None:
        raise Gone("The meeting has ended")
    if participant.removed_at is not None:
        raise Forbidden("A moderator removed you from this meeting")
    return participant, session


def join_by_pass(company: Tenant, key: str, lost_node: bool = False) -> JoinTicket:
    """A ticket to the media node for the pass's participant (the page's join,
    and every rejoin after it): refused while its guest waits in the lobby
    (``WaitingForModerator``), once a moderator turned them away, and when
    the room is full or denies guests now. ``lost_node``: the page lost its
    connection to the session's node, which is checked at once."""
    participant, session = pass_holder(company, key)
    require_admitted(participant)
    require_room_for(session, participant.guest, joining=participant)
    if lost_node:
        check_lost_node(session)
    node = place_session(company, session)
    return issue_ticket(company, session, node, participant,
                        resuming=participant.joined_at is not None)
