"""Snapshots: POST /rooms/<access_key>/snapshot (a JPEG of the composed
picture, taken by the meeting's egress), GET and DELETE /snapshots/<id>
with the API key."""

from __future__ import annotations

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import require_api_key, room_user
from app.api.rooms.media_documents import snapshot_document
from app.extensions import db
from app.modules.outputs import integration as outputs


@bp.post("/rooms/<access_key>/snapshot")
def take_snapshot(access_key: str) -> tuple[str, int]:
    """201 once the egress is asked; the snapshot is listed in the room's
    ``snapshots`` (and a snapshot_update webhook sent) once it is stored."""
    user = room_user(access_key)
    outputs.take_snapshot(user.tenant, user.session, user.participant)
    db.session.commit()
    return "", 201


@bp.get("/snapshots/<snapshot_id>")
def get_snapshot(snapshot_id: str) -> Response:
    tenant = require_api_key()
    snapshot = outputs.find_snapshot(tenant, snapshot_id)
    return jsonify(snapshot_document(tenant, snapshot, outputs.session_of(snapshot)))


@bp.delete("/snapshots/<snapshot_id>")
def delete_snapshot(snapshot_id: str) -> tuple[str, int]:
    tenant = require_api_key()
    outputs.delete_snapshot(tenant, snapshot_id)
    db.session.commit()
    return "", 200
