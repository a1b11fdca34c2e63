"""The BigBlueButton-compatible API: GET or POST /bigbluebutton/api/<call>
on every company's host name, signed with the company's shared secret.
Every answer is the XML document of the BBB API reference; API-level errors
are HTTP 200 with a FAILED body (responses.render_failed). Calls are added
with ``calls.bbb_call``."""

from flask import Blueprint

from app.api.bbb.responses import render_failed
from app.core.error_rendering import register_error_renderer

bp = Blueprint("bbb_api", __name__, url_prefix="/bigbluebutton/api")
register_error_renderer(bp, render_failed)

from app.api.bbb import (  # noqa: E402, F401  (routes, and delivery formats)
    callbacks,
    config_xml,
    hooks,
    joining,
    meetings,
    recordings,
    root,
    text_tracks,
)
