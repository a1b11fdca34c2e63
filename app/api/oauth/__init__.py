"""The OAuth 2 token endpoint (RFC 6749, client credentials grant): a
company's OAuth clients trade their credentials for a bearer token of the
enterprise_api. A dialect of its own, under app/api/ and not app/web/,
because it answers machines in JSON with RFC 6749's error documents, never
a page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.core.error_rendering import register_error_renderer
from app.errors import AppError

bp = Blueprint("oauth", __name__, url_prefix="/oauth")


def render_oauth_error(error: AppError) -> Response:
    """RFC 6749 section 5.2: ``{"error", "error_description"}``; the errors
    authlib answers itself (unsupported_grant_type, invalid_scope ...) have
    the same form."""
    if error.status == 401:
        code = "invalid_client"
    elif error.status == 429:
        code = error.code
    else:
        code = "server_error" if error.status >= 500 else "invalid_request"
    response = jsonify({"error": code, "error_description": error.message})
    response.status_code = error.status
    response.headers["Cache-Control"] = "no-store"
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="oauth"'
    return response


register_error_renderer(bp, render_oauth_error)

from app.api.oauth import views  # noqa: E402, F401  (routes)
