"""Playbacks: POST /rooms/<access_key>/playbacks (``playback[url]`` of an
MP4 or WebM file, played by the meeting's egress in place of
``playback[replacement_id]``'s video, or in a tile of its own; its sound
with ``playback[audio]``), DELETE /rooms/<access_key>/playbacks/<play_id>."""

from __future__ import annotations

import secrets

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import room_user
from app.api.rooms.media_documents import playback_document
from app.api.rooms.media_schemas import playback_schema
from app.api.rooms.params import load_params
from app.extensions import db
from app.modules.outputs import composition
from app.protocol.egress_api import PlaybackSpec


@bp.post("/rooms/<access_key>/playbacks")
def start_playback(access_key: str) -> tuple[Response, int]:
    """201 with the playback (its ``play_id``: the one given, else a new one)."""
    user = room_user(access_key)
    given = load_params(playback_schema)["playback"]
    playback = PlaybackSpec(
        play_id=given.get("play_id") or secrets.token_hex(8), url=given["url"],
        replacement_id=given.get("replacement_id") or "", name=given.get("name") or "",
        audio=given["audio"], loop_count=given["loop_count"])
    composition.start_playback(user.tenant, user.session, playback)
    db.session.commit()
    return jsonify(playback_document(playback)), 201


@bp.delete("/rooms/<access_key>/playbacks/<play_id>")
def stop_playback(access_key: str, play_id: str) -> tuple[str, int]:
    user = room_user(access_key)
    composition.stop_playback(user.tenant, user.session, play_id)
    db.session.commit()
    return "", 200
