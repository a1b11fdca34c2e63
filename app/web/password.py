"""The set-password page behind a host's one-time password_creation_link."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from app.extensions import db, limiter, settings
from app.modules.hosts.credentials import set_password_with_link, usable_password_link
from app.web import bp
from app.web.tenant import page_tenant

MIN_LENGTH, MAX_LENGTH = 8, 256


def _limit() -> str:
    return settings().ratelimit_password_pages


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@limiter.limit(_limit)
def set_password(token: str) -> ResponseReturnValue:
    tenant = page_tenant()
    link = usable_password_link(tenant, token)
    if request.method == "GET":
        return render_template("web/password_set.html", tenant=tenant, host=link.host)
    password = request.form.get("password", "")
    error = None
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        error = f"The password needs {MIN_LENGTH} to {MAX_LENGTH} characters."
    elif password != request.form.get("password_confirm", ""):
        error = "The two passwords differ."
    if error:
        return render_template("web/password_set.html", tenant=tenant, host=link.host,
                               error=error), 422
    host = set_password_with_link(tenant, token, password)
    db.session.commit()
    return render_template("web/password_done.html", tenant=tenant, host=host)
