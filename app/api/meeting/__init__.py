"""The meeting page's JSON API on a company's host name: /api/v1/..."""

from flask import Blueprint

bp = Blueprint("meeting_api", __name__, url_prefix="/api/v1")

from app.api.meeting import join, moderation  # noqa: E402, F401  (routes)
