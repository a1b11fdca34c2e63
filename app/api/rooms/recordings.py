"""Recording: POST and DELETE /rooms/<access_key>/recording (start, stop the
meeting's recording, with the user's access key), GET and DELETE
/recordings/<id> (with the API key). A recording's download link expires:
clients fetch the recording again for a fresh one."""

from __future__ import annotations

from flask import Response, jsonify

from app.api.rooms import bp
from app.api.rooms.auth import require_api_key, room_user
from app.api.rooms.media_documents import recording_document
from app.api.rooms.media_errors import NotAcceptable
from app.api.rooms.options import require_available
from app.api.rooms.rooms import NAMESPACE
from app.errors import Conflict, NotFound
from app.extensions import db
from app.modules.outputs import integration as outputs
from app.modules.recordings.integration import delete_recordings, recordings_by_id
from app.modules.recordings.models import Recording
from app.modules.recordings.operations import record_of, with_link
from app.modules.tenants.models import Tenant

NO_RECORDING = "No recording has this id"


@bp.post("/rooms/<access_key>/recording")
def start_recording(access_key: str) -> tuple[str, int]:
    """201; 405 when the room's recording_available is false, 406 while a
    recording runs already."""
    user = room_user(access_key)
    require_available(user.session.room, "recording_available")
    try:
        outputs.start_recording(user.tenant, user.session, user.participant)
    except Conflict as exc:
        raise NotAcceptable(exc.message) from exc
    db.session.commit()
    return "", 201


@bp.delete("/rooms/<access_key>/recording")
def stop_recording(access_key: str) -> tuple[str, int]:
    """200 once the egress is told to stop; 404 when no recording runs."""
    user = room_user(access_key)
    outputs.stop_recording(user.tenant, user.session)
    db.session.commit()
    return "", 200


@bp.get("/recordings/<recording_id>")
def get_recording(recording_id: str) -> Response:
    tenant = require_api_key()
    recording = _recording(tenant, recording_id)
    document = recording_document(tenant, recording,
                                  with_link(record_of(recording), recording, tenant))
    return jsonify(document)


@bp.delete("/recordings/<recording_id>")
def delete_recording(recording_id: str) -> tuple[str, int]:
    """200; 409 while it is still being recorded or assembled."""
    tenant = require_api_key()
    delete_recordings(tenant, [_recording(tenant, recording_id)])
    db.session.commit()
    return "", 200


def _recording(tenant: Tenant, recording_id: str) -> Recording:
    found = recordings_by_id(tenant, NAMESPACE, [recording_id])
    if not found:
        raise NotFound(NO_RECORDING)
    return found[0]
