"""The meeting page's JSON API on a company's host name: /api/v1/...
(docs/meeting-api.md; the OpenAPI document is /api/v1/openapi.json)."""

from flask import Blueprint

from app.api.json_errors import render_json_error
from app.core.error_rendering import register_error_renderer

bp = Blueprint("meeting_api", __name__, url_prefix="/api/v1")
register_error_renderer(bp, render_json_error)

from app.api.meeting import docs, join, lobby, moderation, outputs  # noqa: E402, F401  (routes)
