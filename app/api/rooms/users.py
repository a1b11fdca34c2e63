"""What a user does in their running meeting with their access key: list
its users (or one), lock it, kick a user, send a message."""

from __future__ import annotations

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import RoomUser, room_user
from app.api.rooms.documents import user_details
from app.api.rooms.options import require_available
from app.api.rooms.params import load_params
from app.api.rooms.schemas import message_schema
from app.errors import NotFound
from app.extensions import db
from app.modules.meetings import commands
from app.modules.meetings.integration import session_participants
from app.modules.meetings.models import Participant

NO_USER = "No such user in this meeting"


@bp.get("/rooms/<access_key>/users")
def list_users(access_key: str) -> Response:
    """The users in the meeting now, as its media node reports them."""
    user = room_user(access_key)
    present = session_participants(user.tenant, user.session)
    return jsonify([user_details(participant) for participant in present])


@bp.get("/rooms/<access_key>/users/<user_id>")
def get_user(access_key: str, user_id: str) -> Response:
    user = room_user(access_key)
    return jsonify(user_details(_user(user, user_id)))


@bp.post("/rooms/<access_key>/lock")
def lock(access_key: str) -> tuple[str, int]:
    """Nobody new joins from now on (there is no unlock); users with an
    access key of this meeting may still come back, guests may not."""
    user = room_user(access_key)
    require_available(user.session.room, "lock_available")
    commands.lock(user.tenant, user.session.public_id, commands.AS_INTEGRATOR)
    db.session.commit()
    return "", 201


@bp.delete("/rooms/<access_key>/users/<user_id>")
def kick(access_key: str, user_id: str) -> tuple[str, int]:
    """Remove a user from the meeting (their access key stops working)."""
    user = room_user(access_key)
    require_available(user.session.room, "kick_available")
    target = _user(user, user_id)
    commands.kick(user.tenant, user.session.public_id, commands.AS_INTEGRATOR, target.public_id)
    db.session.commit()
    return "", 200


@bp.post("/rooms/<access_key>/messages")
def send_message(access_key: str) -> tuple[str, int]:
    """A chat line for everyone (``type=chat``), or data for the embedding
    sites of their pages (``type=custom``), in the user's name."""
    user = room_user(access_key)
    data = load_params(message_schema)
    commands.send_message(user.tenant, user.session.public_id, commands.AS_INTEGRATOR,
                          data["type"], data["content"], user.participant)
    db.session.commit()
    return "", 201


def _user(user: RoomUser, user_id: str) -> Participant:
    """The meeting's user ``user_id`` (the client's ``user[id]``, else ours),
    present or not; the newest one where a client reused its id."""
    for participant in reversed(session_participants(user.tenant, user.session,
                                                     present_only=False)):
        if user_id in (participant.external_user_id, participant.public_id) \
                and participant.removed_at is None:
            return participant
    raise NotFound(NO_USER)
