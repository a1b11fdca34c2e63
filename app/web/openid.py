"""OpenID Connect login to the pages (``/login/openid``) for a company whose
``openid_provider`` is on and configured: the browser goes to the company's
provider and comes back to ``/login/openid/callback``, which opens a host
web session (via "openid") and lands in the portal.

What a login in progress needs (state, nonce, PKCE verifier, where to land)
waits in Flask's signed session cookie, under a key of this company: it is
this browser's, and lives until the callback takes it (once)."""

from __future__ import annotations

import secrets

from flask import redirect, request, session
from werkzeug.wrappers import Response

from app.errors import Unauthorized
from app.extensions import db, settings
from app.modules.hosts.models import SessionVia
from app.modules.hosts.web_sessions import close_host_session, open_host_session
from app.modules.oauth import openid
from app.modules.oauth.subjects import host_for_subject
from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import company_url
from app.web import bp
from app.web.auth import DEFAULT_LANDING
from app.web.host_session import local_path, portal_headers, session_token, set_session_cookie
from app.web.tenant import page_tenant

LOGIN = "/login/openid"
CALLBACK = "/login/openid/callback"


@bp.get(LOGIN)
def openid_login() -> Response:
    """303 to the company's provider (404 where the company has none)."""
    tenant = _tenant()
    target = request.args.get("next", "")
    url, pending = openid.start_login(
        tenant, company_url(tenant, CALLBACK),
        target if local_path(target) else DEFAULT_LANDING)
    session[_key(tenant)] = pending.to_dict()
    return redirect(url, 303)


@bp.get(CALLBACK)
def openid_callback() -> Response:
    """303 to where the login started, signed in; an error page otherwise:
    400 (state not this browser's, no code), 401 (code or ID token refused),
    403 (nobody of the company has this account), 503 (provider away)."""
    tenant = _tenant()
    # Taken whatever happens next: a state is good for one callback only.
    pending = openid.Pending.from_dict(session.pop(_key(tenant), None))
    error, state = request.args.get("error"), request.args.get("state", "")
    if error and pending is not None and secrets.compare_digest(state.encode(),
                                                                pending.state.encode()):
        raise Unauthorized("The sign-on provider did not sign you in "
                           f"({error[:100]}); start again")
    claims = openid.finish_login(tenant, pending, request.args.get("state"),
                                 request.args.get("code"), company_url(tenant, CALLBACK))
    host = host_for_subject(tenant, claims)
    previous = session_token()
    if previous:  # one browser, one session: the one it had ends
        close_host_session(previous)
    token = open_host_session(tenant, host, SessionVia.OPENID)
    db.session.commit()
    assert pending is not None  # finish_login refused otherwise
    response = redirect(pending.next, 303)
    set_session_cookie(response, token, settings().host_session_hours)
    return response


def _tenant() -> Tenant:
    tenant = page_tenant()
    portal_headers(tenant)  # not stored, framed only where the company allows
    if not openid.configured(tenant):
        raise openid.NotConfigured()
    return tenant


def _key(tenant: Tenant) -> str:
    return f"openid:{tenant.id}"
