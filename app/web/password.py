"""The set-password page behind a host's one-time password_creation_link,
``/password/set#<token>``. The token is the link's fragment, which browsers
never send: static/password/set.js puts it into the form, which POSTs it, so
the token is in no URL that reaches a server or its access log."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, after_this_request, redirect, render_template, request
from flask.typing import ResponseReturnValue

from app.core.security_headers import page_policy
from app.extensions import db, limiter, settings
from app.modules.hosts.credentials import (
    PASSWORD_PAGE,
    set_password_with_link,
    usable_password_link,
)
from app.web import bp
from app.web.tenant import page_tenant

MIN_LENGTH, MAX_LENGTH = 8, 256


def _limit() -> str:
    return settings().ratelimit_password_pages


def private(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Its answers, errors and 429s included, are never framed (no
    clickjacking of the form) nor stored by a browser or proxy."""

    @functools.wraps(view)
    def wrapper(*args: object, **kwargs: object) -> ResponseReturnValue:
        @after_this_request
        def _headers(response: Response) -> Response:
            response.headers["Content-Security-Policy"] = page_policy("'none'")
            response.headers["Cache-Control"] = "no-store"
            return response

        return view(*args, **kwargs)

    return wrapper


@bp.route(PASSWORD_PAGE, methods=["GET", "POST"])
@private
@limiter.limit(_limit)
def set_password() -> ResponseReturnValue:
    tenant = page_tenant()
    if request.method == "GET":  # the token is in the fragment: nothing to check yet
        return render_template("web/password_set.html", tenant=tenant, token="")
    token = request.form.get("token", "")
    link = usable_password_link(tenant, token)
    password = request.form.get("password", "")
    error = None
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        error = f"The password needs {MIN_LENGTH} to {MAX_LENGTH} characters."
    elif password != request.form.get("password_confirm", ""):
        error = "The two passwords differ."
    if error:
        return render_template("web/password_set.html", tenant=tenant, host=link.host,
                               token=token, error=error), 422
    host = set_password_with_link(tenant, token, password)
    db.session.commit()
    return render_template("web/password_done.html", tenant=tenant, host=host)


@bp.get(f"{PASSWORD_PAGE}/<token>")
@private
@limiter.limit(_limit)
def old_password_link(token: str) -> ResponseReturnValue:
    """Links mailed before the token moved to the fragment (until they
    expire, PASSWORD_LINK_TTL_HOURS): on to the page, token in the fragment."""
    return redirect(f"{PASSWORD_PAGE}#{token}")
