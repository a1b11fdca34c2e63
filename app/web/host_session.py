"""The host's web session on the pages: its cookie, the session of the
request, the login gate of portal pages, and their CSRF tokens.

The cookie is ``Partitioned; Secure; SameSite=None; HttpOnly; Path=/``
(CHIPS). Hosts sign in inside their company's site, in a cross-site iframe
(``/auth`` as the iframe's src), where Chromium refuses unpartitioned
third-party cookies; a partitioned cookie is kept per top-level site, so the
session made in an iframe on one site is seen only by frames on that site.
SameSite=None lets every site send it, so every state-changing POST of a
portal page carries the session's synchronizer token (``check_csrf``)."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from flask import after_this_request, g, redirect, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from app.core.security_headers import page_policy
from app.errors import BadRequest
from app.modules.hosts.resolvers import tenant_at
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE, HostSession, host_session
from app.modules.tenants.models import Tenant
from app.web import bp
from app.web.meeting import frame_ancestors
from app.web.tenant import page_tenant

LOGIN_PAGE = "/login"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = Callable[..., ResponseReturnValue]


def set_session_cookie(response: Response, token: str, session_hours: int) -> None:
    response.set_cookie(HOST_SESSION_COOKIE, token, max_age=session_hours * 3600, path="/",
                        secure=True, httponly=True, samesite="None", partitioned=True)


def clear_session_cookie(response: Response) -> None:
    # A partitioned cookie is only replaced by one with the same attributes.
    response.delete_cookie(HOST_SESSION_COOKIE, path="/", secure=True, httponly=True,
                           samesite="None", partitioned=True)


def session_token() -> str | None:
    """The request's session cookie, as sent."""
    return request.cookies.get(HOST_SESSION_COOKIE) or None


def current_host_session() -> HostSession | None:
    """The live host session of the request on its tenant's host name, if any
    (looked up once per request)."""
    if "host_session" not in g:
        token = session_token()
        tenant = tenant_at(request.host) if token else None
        g.host_session = host_session(tenant, token) if tenant and token else None
    session: HostSession | None = g.host_session
    return session


def login_required(view: View) -> View:
    """A portal page: a host with a session only (others are sent to
    ``/login?next=<this page>``), CSRF checked on every POST, never stored
    by a browser or proxy, framed only by the platform and the company's
    embed origins."""

    @functools.wraps(view)
    def wrapper(*args: object, **kwargs: object) -> ResponseReturnValue:
        portal_headers(page_tenant())
        if current_host_session() is None:
            return redirect(f"{LOGIN_PAGE}?next={quote(this_page(), safe='/')}", 303)
        if request.method not in _SAFE_METHODS:
            check_csrf()
        return view(*args, **kwargs)

    return wrapper


def portal_headers(tenant: Tenant) -> None:
    """This answer (an error page too) is not stored, and only the platform
    and the company's embed origins may frame it."""

    @after_this_request
    def _headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = page_policy(frame_ancestors(tenant))
        return response


def this_page() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def csrf_field() -> Markup:
    """The hidden field a portal form carries (a template global)."""
    session = current_host_session()
    token = session.csrf_token if session else ""
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


def check_csrf() -> None:
    """400, before anything changes, unless the form carries the session's token."""
    session = current_host_session()
    given = request.form.get(CSRF_FIELD, "")
    if session is None or not given or \
            not hmac.compare_digest(given.encode(), session.csrf_token.encode()):
        raise BadRequest("This form has expired; open the page again and resubmit")


def local_path(target: str) -> bool:
    """A path on this host name: one ``/`` first (``//x`` names another
    host), no backslash (browsers read it as ``/``), no control character or
    space (browsers drop some of them, which could join ``/`` and ``/``)."""
    return target.startswith("/") and not target.startswith("//") and \
        target.isprintable() and not any(c in target for c in "\\ ")


def tenant_target(tenant: Tenant, target: str) -> bool:
    """A path, or an http(s) URL on one of ``tenant``'s own host names
    (never another company's, never elsewhere)."""
    if local_path(target):
        return True
    if not target.isprintable() or any(c in target for c in "\\ "):
        return False
    try:
        parts = urlsplit(target)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018  (raises for a port that is no number)
    except ValueError:
        return False
    names = {tenant.host_name, f"{tenant.subdomain}.{tenant.reseller.domain}"}
    if tenant.custom_domain:
        names.add(tenant.custom_domain)
    return parts.scheme in ("http", "https") and not parts.username and \
        parts.password is None and host in {name.lower() for name in names}


bp.add_app_template_global(csrf_field, "csrf_field")
