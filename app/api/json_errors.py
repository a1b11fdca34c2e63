"""The JSON dialects' error document: ``{"message": ..., "errors": {...}}``
with the error's status code. The enterprise_api (as the VivoMeetings
document has it), the meeting API and the node API all answer this way,
each registering it on its own blueprint."""

from __future__ import annotations

from flask import Response, jsonify

from app.errors import AppError


def render_json_error(error: AppError) -> Response:
    body: dict[str, object] = {"message": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = jsonify(body)
    response.status_code = error.status
    return response
