"""What media nodes call on the web: signed heartbeats and events."""

from flask import Blueprint

from app.api.json_errors import render_json_error
from app.core.error_rendering import register_error_renderer

bp = Blueprint("nodes_api", __name__)
register_error_renderer(bp, render_json_error, prefix="/internal/")

from app.api.nodes import views  # noqa: E402, F401  (routes)
