"""The enterprise_api's one error renderer: ``{"message": ..., "errors": {...}}``."""

from __future__ import annotations

from flask import Response, jsonify

from app.errors import AppError


def render_error(error: AppError) -> Response:
    body: dict[str, object] = {"message": error.message}
    if error.errors:
        body["errors"] = error.errors
    response = jsonify(body)
    response.status_code = error.status
    return response
