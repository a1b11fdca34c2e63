"""How a dialect answers errors: each blueprint registers its own renderer
(JSON ``{"message"}``, BBB ``FAILED`` XML, an HTML page ...) with
``register_error_renderer``; this module turns every failure into an
``AppError`` first, so no dialect sees a stack trace or answers an HTML 500.

A request that matches no route (404, 405) belongs to no blueprint; it gets
the renderer of the dialect whose URL prefix it falls under, else the app's
fallback (``register_fallback_renderer``)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from flask import Blueprint, Flask, make_response, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.errors import AppError, Conflict, PayloadTooLarge, RateLimited
from app.extensions import db, limiter

log = logging.getLogger(__name__)

Render = Callable[[AppError], ResponseReturnValue]
_PREFIXES = "confera_error_renderers"  # app.extensions: [(url_prefix, render)]


def register_error_renderer(bp: Blueprint, render: Render, prefix: str | None = None) -> None:
    """Render every error raised in ``bp``'s views, and every unrouted request
    under its URL prefix (or ``prefix``), with ``render``."""
    _register(bp, render)
    claimed = prefix or bp.url_prefix
    if claimed:
        path = claimed.rstrip("/") + "/"
        bp.record_once(lambda state: state.app.extensions.setdefault(_PREFIXES, []).append(
            (path, render)))


def register_fallback_renderer(app: Flask, render: Render) -> None:
    """Errors outside every blueprint whose prefix claims them."""

    def by_prefix(error: AppError) -> ResponseReturnValue:
        for prefix, dialect_render in app.extensions.get(_PREFIXES, []):
            if request.path.startswith(prefix) or request.path == prefix.rstrip("/"):
                return dialect_render(error)
        return render(error)

    _register(app, by_prefix)


def _register(target: Blueprint | Flask, render: Render) -> None:
    def answer(error: AppError) -> ResponseReturnValue:
        db.session.rollback()
        response = make_response(render(error))
        response.headers.update(error.headers)
        return response

    def integrity_error(error: IntegrityError) -> ResponseReturnValue:
        # A uniqueness race the operation's own check could not see.
        log.info("integrity error: %s", error.orig)
        return answer(Conflict("This conflicts with an existing record"))

    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code == 413:
            return answer(PayloadTooLarge())
        if error.code == 429:  # flask-limiter's: at most so many calls per address
            limited = RateLimited(f"Too many requests: at most {error.description}")
            hit = limiter.current_limit
            if hit is not None:
                limited.headers["Retry-After"] = str(max(1, math.ceil(hit.reset_at - time.time())))
            return answer(limited)
        wrapped = AppError(error.name)
        wrapped.status = error.code or 500
        # What the client needs to act on it, e.g. a 405's Allow.
        wrapped.headers = {name: value for name, value in error.get_headers()
                           if name.lower() != "content-type"}
        return answer(wrapped)

    def unexpected(error: Exception) -> ResponseReturnValue:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return answer(AppError())

    target.register_error_handler(AppError, answer)
    target.register_error_handler(IntegrityError, integrity_error)
    target.register_error_handler(HTTPException, http_error)
    target.register_error_handler(Exception, unexpected)
