"""The VivoMeetings-style JSON API: POST /enterprise_api/<object>/<verb>."""

from flask import Blueprint

bp = Blueprint("enterprise_api", __name__, url_prefix="/enterprise_api")

from app.api.enterprise import auth, companies, docs, hosts, rooms  # noqa: E402, F401  (routes)
