"""What media nodes call on the web: signed heartbeats and events."""

from flask import Blueprint

bp = Blueprint("nodes_api", __name__)

from app.api.nodes import views  # noqa: E402, F401  (routes)
