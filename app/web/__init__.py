"""HTML pages served on a company's host name."""

from flask import Blueprint

bp = Blueprint("web", __name__)

from app.web import meeting, password  # noqa: E402, F401  (routes)
