"""JSON only as JSON: a JSON endpoint refuses (415) a request whose
Content-Type is not ``application/json`` (any charset parameter), before it
reads the body.

Why: a page on another site may send a "simple" cross-origin POST (a form,
or ``text/plain``) without asking first, and with the visitor's address; a
JSON body is not simple, so the browser asks (CORS preflight), and Confera
never says yes. Without this check ``authenticate`` and ``join`` would
read such a body as JSON, and any site could make its visitors guess
passwords and PINs for it. Every JSON endpoint takes a JSON object, even
``logout`` (``{}``), so no empty body is let through either."""

from __future__ import annotations

from flask import request

from app.errors import UnsupportedMediaType


def require_json_content_type() -> None:
    """415 unless the request says its body is ``application/json``."""
    if request.mimetype != "application/json":  # lower case, parameters stripped
        raise UnsupportedMediaType("The body must be JSON: send Content-Type: application/json")
