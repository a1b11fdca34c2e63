"""The rooms API's errors: the status codes Eyeson's documents list, with a
JSON body ``{"error": message}`` (and the fields at fault, when known).
Eyeson answers bad input with 400, so a failed validation (422 elsewhere)
is a 400 here."""

from __future__ import annotations

from flask import Response, jsonify

from app.errors import AppError, ValidationFailed


def render_rooms_error(error: AppError) -> Response:
    body: dict[str, object] = {"error": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = jsonify(body)
    response.status_code = 400 if isinstance(error, ValidationFailed) else error.status
    return response


class FeatureNotAvailable(AppError):
    """A feature the room's ``options[*_available]`` turned off."""

    status, code, default_message = 405, "method_not_allowed", "Not available in this room"


class RoomLocked(AppError):
    status, code, default_message = 423, "locked", "The meeting is locked"
