"""getRecordingTextTracks and putRecordingTextTrack: a recording's caption
and subtitle files (app/modules/recordings/text_tracks.py). Unlike the other
calls these answer JSON, errors included, as the reference shows; so they
check their checksum here (over the query string: an upload's body is not
signed) rather than through ``calls.bbb_call``, whose errors are XML."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Response, request

from app.api.bbb import bp
from app.api.bbb.calls import BbbCall
from app.api.bbb.checksum import verify_checksum, without_checksum
from app.api.bbb.errors import BbbError, checksum_error
from app.api.bbb.rooms import NAMESPACE
from app.api.parsing import request_tenant
from app.errors import ValidationFailed
from app.extensions import db
from app.modules.recordings.integration import recordings_by_id
from app.modules.recordings.models import Recording
from app.modules.recordings.text_tracks import put_text_track, text_tracks
from app.modules.tenants.operations import shared_secret_of

JsonView = Callable[[BbbCall], dict[str, Any]]
# Which messageKey a refused field of the domain's check gets.
_INVALID = {"kind": "invalidKind", "lang": "invalidLang",
            "file": "empty_uploaded_text_track"}


def json_call(name: str, methods: tuple[str, ...]) -> Callable[[JsonView], JsonView]:
    """Serve ``view`` as the BBB call ``name``: its dict is the answer's
    ``response`` object; a BbbError is a FAILED one (nothing committed)."""

    def decorate(view: JsonView) -> JsonView:
        @functools.wraps(view)
        def serve() -> Response:
            try:
                call = _signed_call(name)
                answer = view(call)
            except BbbError as error:
                db.session.rollback()
                return _json({"returncode": "FAILED", "messageKey": error.message_key,
                              "message": error.message})
            db.session.commit()
            return _json(answer)

        bp.add_url_rule(f"/{name}", endpoint=name, view_func=serve, methods=list(methods))
        return view

    return decorate


@json_call("getRecordingTextTracks", ("GET", "POST"))
def get_text_tracks(call: BbbCall) -> dict[str, Any]:
    recording = _recording(call)
    tracks = [{"href": t.href, "kind": t.kind, "label": t.label, "lang": t.lang,
               "source": t.source} for t in text_tracks(call.tenant, recording)]
    return {"returncode": "SUCCESS", "tracks": tracks}


@json_call("putRecordingTextTrack", ("POST",))
def put_track(call: BbbCall) -> dict[str, Any]:
    """Upload (multipart ``file``) the track of ``kind`` and ``lang``, or
    delete it when the request has no file."""
    recording = _recording(call)
    for name in ("kind", "lang"):
        _require(call, name)
    upload = request.files.get("file")
    content = upload.read() if upload is not None else None
    try:
        stored = put_text_track(call.tenant, recording, call.params["kind"], call.params["lang"],
                                call.params.get("label"), content)
    except ValidationFailed as exc:
        field = next(iter(exc.errors or {"file": []}))
        raise BbbError(_INVALID.get(field, "invalidParameter"), _message(field, exc)) from exc
    if not stored:
        return {"messageKey": "upload_text_track_failed", "message": "Text track upload failed.",
                "recordId": recording.public_id, "returncode": "SUCCESS"}
    return {"messageKey": "upload_text_track_success",
            "message": "Text track uploaded successfully",
            "recordId": recording.public_id, "returncode": "SUCCESS"}


def _signed_call(name: str) -> BbbCall:
    tenant = request_tenant()
    params = {key: value for key, value in request.args.items() if value != ""}
    if "checksum" not in params:
        raise BbbError("paramError", "Missing param checksum.")
    secret = shared_secret_of(tenant)
    signed = [without_checksum(request.query_string.decode("latin-1"))]
    if not verify_checksum(name, signed, params["checksum"], secret.value, secret.algorithms):
        raise checksum_error()
    return BbbCall(name=name, tenant=tenant, params=params, body=None)


def _recording(call: BbbCall) -> Recording:
    """The one recording recordID names (no list here): noRecordings if none."""
    record_id = _require(call, "recordID")
    found = recordings_by_id(call.tenant, NAMESPACE, [record_id])
    if not found:
        raise BbbError("noRecordings", "No recording was found for " + record_id)
    return found[0]


def _require(call: BbbCall, name: str) -> str:
    if name not in call.params:
        raise BbbError("missingParameter", f"Missing param {name}.")
    return call.params[name]


def _message(field: str, exc: ValidationFailed) -> str:
    return "Empty uploaded text track." if _INVALID.get(field) == "empty_uploaded_text_track" \
        else exc.message


def _json(response: dict[str, Any]) -> Response:
    return Response(json.dumps({"response": response}), mimetype="application/json")
