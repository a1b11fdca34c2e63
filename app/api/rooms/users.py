"""What a user does in their running meeting: list its users, lock it, kick
a user, send a message."""

from __future__ import annotations

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import room_user
from app.api.rooms.documents import user_details
from app.modules.meetings.integration import session_participants


@bp.get("/rooms/<access_key>/users")
def list_users(access_key: str) -> Response:
    """The users in the meeting now, as its media node reports them."""
    user = room_user(access_key)
    present = session_participants(user.tenant, user.session)
    return jsonify([user_details(participant) for participant in present])
