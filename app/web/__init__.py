"""HTML pages served on a company's host name."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from app.core.error_rendering import register_error_renderer
from app.errors import AppError

bp = Blueprint("web", __name__)


def render_error_page(error: AppError) -> ResponseReturnValue:
    return render_template("web/error.html", message=error.message), error.status


register_error_renderer(bp, render_error_page)

from app.web import meeting, password  # noqa: E402, F401  (routes)
