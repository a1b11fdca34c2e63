"""Broadcasts: POST /rooms/<access_key>/broadcasts (send the meeting to an
RTMP ingest: ``stream_url`` rtmp[s]://host/<app>/<key>), PUT
/rooms/<access_key>/broadcasts/generic (its public ``player_url``), DELETE
/rooms/<access_key>/broadcasts[/generic] (stop). ``generic`` is the one
platform: any RTMP ingest."""

from __future__ import annotations

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import room_user
from app.api.rooms.media_documents import PLATFORM, broadcast_document
from app.api.rooms.media_errors import NotAcceptable
from app.api.rooms.media_schemas import broadcast_schema, player_url_schema
from app.api.rooms.options import require_available
from app.api.rooms.params import load_params
from app.errors import Conflict, NotFound
from app.extensions import db
from app.modules.outputs import integration as outputs


@bp.post("/rooms/<access_key>/broadcasts")
def start_broadcast(access_key: str) -> tuple[Response, int]:
    """201 with the broadcast; 400 for a stream URL that is no RTMP ingest,
    405 when broadcast_available is false, 406 while one runs."""
    user = room_user(access_key)
    require_available(user.session.room, "broadcast_available")
    data = load_params(broadcast_schema)
    try:
        broadcast = outputs.start_broadcast(user.tenant, user.session, user.participant,
                                            data["stream_url"], data.get("player_url"))
    except Conflict as exc:
        raise NotAcceptable(exc.message) from exc
    document = broadcast_document(broadcast, user.session)
    db.session.commit()
    return jsonify(document), 201


@bp.put("/rooms/<access_key>/broadcasts/<platform>")
def update_broadcast(access_key: str, platform: str) -> Response:
    user = room_user(access_key)
    _check_platform(platform)
    data = load_params(player_url_schema)
    broadcast = outputs.update_broadcast(user.tenant, user.session, data["player_url"])
    document = broadcast_document(broadcast, user.session)
    db.session.commit()
    return jsonify(document)


@bp.delete("/rooms/<access_key>/broadcasts")
@bp.delete("/rooms/<access_key>/broadcasts/<platform>")
def stop_broadcast(access_key: str, platform: str = PLATFORM) -> tuple[str, int]:
    user = room_user(access_key)
    _check_platform(platform)
    outputs.stop_broadcast(user.tenant, user.session)
    db.session.commit()
    return "", 200


def _check_platform(platform: str) -> None:
    if platform != PLATFORM:
        raise NotFound(f"No broadcast platform {platform[:50]!r}: use {PLATFORM}")
