"""The host portal's own pages: the host's room (``/portal/room``) and
profile (``/portal/profile``: password and email, for password sessions
only; SSO and OpenID sessions neither see nor may send those forms).
The conference pages (/conf/calls/...) and /portal/settings live beside."""

from __future__ import annotations

from typing import Any

from flask import make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError, fields

from app.errors import AppError, Conflict, Forbidden, RateLimited, Unauthorized
from app.extensions import db
from app.modules.access import Actor
from app.modules.hosts.web_sessions import (
    CREDENTIALS_ELSEWHERE,
    HostSession,
    change_email,
    change_password,
)
from app.modules.meetings.operations import get_room
from app.web import bp
from app.web.host_session import current_host_session, login_required
from app.web.password import MAX_LENGTH, MIN_LENGTH
from app.web.tenant import page_tenant

PROFILE = "/portal/profile"
_email = fields.Email(required=True)


@bp.get("/portal/room")
@login_required
def portal_room() -> ResponseReturnValue:
    """The host's meeting address, access code and PINs, and a way in."""
    tenant = page_tenant()
    session = _session()
    room = get_room(Actor(session.caller, tenant), session.host.id)
    db.session.commit()  # the session's last_seen_at
    return render_template("web/portal/room.html", tenant=tenant, host=session.host,
                           room=room, nav="room")


@bp.get(PROFILE)
@login_required
def portal_profile() -> ResponseReturnValue:
    db.session.commit()
    return _profile(changed=request.args.get("changed"))


@bp.post(f"{PROFILE}/password")
@login_required
def portal_change_password() -> ResponseReturnValue:
    session = _credentials_session()
    new = request.form.get("new_password", "")
    error = None
    if not MIN_LENGTH <= len(new) <= MAX_LENGTH:
        error = f"The new password needs {MIN_LENGTH} to {MAX_LENGTH} characters."
    elif new != request.form.get("new_password_confirm", ""):
        error = "The two new passwords differ."
    if error:
        return _profile(password_error=error, status=422)
    try:
        change_password(session, request.form.get("current_password", "")[:MAX_LENGTH], new)
    except (Unauthorized, RateLimited) as refused:
        return _refused(refused, "password_error")
    db.session.commit()
    return redirect(f"{PROFILE}?changed=password", 303)


@bp.post(f"{PROFILE}/email")
@login_required
def portal_change_email() -> ResponseReturnValue:
    session = _credentials_session()
    try:
        email = _email.deserialize(request.form.get("email", "").strip()[:254])
    except ValidationError:
        return _profile(email_error="Enter a valid email address.", status=422)
    try:
        change_email(session, request.form.get("current_password", "")[:MAX_LENGTH], email)
    except (Unauthorized, RateLimited, Conflict) as refused:
        db.session.rollback()
        return _refused(refused, "email_error")
    db.session.commit()
    return redirect(f"{PROFILE}?changed=email", 303)


def _session() -> HostSession:
    session = current_host_session()
    assert session is not None  # login_required let the request in
    return session


def _credentials_session() -> HostSession:
    """The session, if its password and email are the host's to change (403
    for SSO and OpenID sessions: their identity provider owns them)."""
    session = _session()
    if not session.may_change_credentials:
        raise Forbidden(CREDENTIALS_ELSEWHERE)
    return session


def _refused(error: AppError, field: str) -> ResponseReturnValue:
    message = "Choose another email address." if isinstance(error, Conflict) else error.message
    response = make_response(_profile(**{field: message}, status=error.status))
    response.headers.extend(error.headers)
    return response


def _profile(status: int = 200, **messages: Any) -> ResponseReturnValue:
    session = _session()
    return render_template("web/portal/profile.html", tenant=page_tenant(), host=session.host,
                           may_change=session.may_change_credentials, nav="profile",
                           **messages), status
