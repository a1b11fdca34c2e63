"""Password login to the pages (``/login``) and logout (``/logout``).

A wrong password and an unknown email get one answer (401, the form
again); wrong passwords back off per account (LOGIN_BACKOFF, 429), and
every call counts per address (RATELIMIT_PASSWORD_PAGES). A company with
OpenID Connect offers its sign-on (``/login/openid``) on the same page."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from app.errors import BadRequest, RateLimited, Unauthorized
from app.extensions import db, limiter, settings
from app.modules.hosts.models import SessionVia
from app.modules.hosts.web_sessions import close_host_session, open_host_session, password_login
from app.modules.tenants.models import Tenant
from app.web import bp
from app.web.auth import DEFAULT_LANDING
from app.web.host_session import (
    LOGIN_PAGE,
    check_csrf,
    clear_session_cookie,
    current_host_session,
    local_path,
    portal_headers,
    session_token,
    set_session_cookie,
    tenant_target,
)
from app.web.tenant import page_tenant

OPENID_LOGIN = "/login/openid"  # engineer C's route; the page only links to it
MAX_FIELD = 256


def _limit() -> str:
    return settings().ratelimit_password_pages


@bp.get(LOGIN_PAGE)
def login_form() -> ResponseReturnValue:
    tenant = page_tenant()
    portal_headers(tenant)
    target = _next()
    if current_host_session() is not None:
        return redirect(target, 303)
    return _form(tenant, target)


@bp.post(LOGIN_PAGE)
@limiter.limit(_limit)
def login() -> ResponseReturnValue:
    tenant = page_tenant()
    portal_headers(tenant)
    _same_origin(tenant)
    target = _next()
    email = request.form.get("email", "")[:MAX_FIELD]
    password = request.form.get("password", "")[:MAX_FIELD]
    try:
        host = password_login(tenant, email, password)
    except (Unauthorized, RateLimited) as refused:
        page = make_response(_form(tenant, target, email, refused.message), refused.status)
        page.headers.extend(refused.headers)
        return page
    previous = session_token()
    if previous:
        close_host_session(previous)
    token = open_host_session(tenant, host, SessionVia.PASSWORD)
    db.session.commit()
    response = redirect(target, 303)
    set_session_cookie(response, token, settings().host_session_hours)
    return response


@bp.post("/logout")
def logout() -> Response:
    """Ends the session (CSRF-checked: no other site can log a host out)."""
    tenant = page_tenant()
    portal_headers(tenant)
    token = session_token()
    if current_host_session() is not None and token:
        check_csrf()
        close_host_session(token)
        db.session.commit()
    response = redirect(LOGIN_PAGE, 303)
    clear_session_cookie(response)
    return response


def _form(tenant: Tenant, target: str, email: str = "", error: str | None = None) -> str:
    return render_template("web/login.html", tenant=tenant, next=target, email=email,
                           error=error, openid_login=OPENID_LOGIN if tenant.openid_provider
                           else None)


def _next() -> str:
    """Where to go after logging in: a path of this host name only."""
    target = request.values.get("next", "")
    return target if local_path(target) else DEFAULT_LANDING


def _same_origin(tenant: Tenant) -> None:
    """A login form posted from another site is refused (login CSRF: it would
    sign the visitor in as someone else); browsers send Origin with a POST."""
    origin = request.headers.get("Origin")
    if origin is not None and not tenant_target(tenant, origin):
        raise BadRequest("This form was sent from another site")
