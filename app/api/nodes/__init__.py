"""What media nodes call on the web: signed heartbeats and events."""

from flask import Blueprint, request

from app.api.json_errors import render_json_error
from app.core.error_rendering import register_error_renderer
from app.core.inputs import host_name_of
from app.errors import NotFound
from app.extensions import settings

bp = Blueprint("nodes_api", __name__)
register_error_renderer(bp, render_json_error, prefix="/internal/")


@bp.before_request
def internal_host_names_only() -> None:
    """The node API answers only on NODE_API_HOSTS (the web's internal name),
    never on a tenant's host name: from outside it does not exist."""
    if host_name_of(request.host) not in settings().node_api_hosts:
        raise NotFound("Not found")

from app.api.nodes import views  # noqa: E402, F401  (routes)
