"""The VivoMeetings-style JSON API: POST /enterprise_api/<object>/<verb>."""

from flask import Blueprint

from app.api.json_errors import render_json_error
from app.core.error_rendering import register_error_renderer

bp = Blueprint("enterprise_api", __name__, url_prefix="/enterprise_api")
register_error_renderer(bp, render_json_error)

from app.api.enterprise import (  # noqa: E402, F401  (routes)
    api_keys,
    auth,
    companies,
    conferences,
    docs,
    hosts,
    livestreams,
    oauth_clients,
    recordings,
    resellers,
    rooms,
    webhooks,
)
