"""HTML pages served on a company's host name."""

from flask import Blueprint, Response, make_response, render_template
from flask.typing import ResponseReturnValue

from app.core.error_rendering import register_error_renderer
from app.core.security_headers import page_policy
from app.errors import AppError

bp = Blueprint("web", __name__)
# A page that says nothing else may be framed by the platform's own pages only.
DEFAULT_PAGE_POLICY = page_policy("'self'")


def render_error_page(error: AppError) -> ResponseReturnValue:
    response = make_response(render_template("web/error.html", message=error.message),
                             error.status)
    response.headers["Content-Security-Policy"] = DEFAULT_PAGE_POLICY
    return response


@bp.after_request
def _page_policy(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", DEFAULT_PAGE_POLICY)
    return response


register_error_renderer(bp, render_error_page)

from app.web import (  # noqa: E402, F401  (routes)
    auth,
    conferences,
    files,
    host_session,
    host_settings,
    livestream,
    login,
    meeting,
    openid,
    password,
    portal,
    recordings,
)
