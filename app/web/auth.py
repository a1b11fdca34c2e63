"""One-click SSO, ``/auth`` (the VivoMeetings document's "SSO"): the host's
browser brings ``host_id`` and ``login_token_public_key`` (a form POST, a
JSON POST, or a GET, e.g. as an iframe's src) and lands logged in, with no
login screen. Optional: ``redirect_url`` (a path, or an address on the
company's own host names) and ``after_call_url`` (where the meeting page
goes when the host leaves)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import redirect, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.wrappers import Response

from app.core.inputs import check_json_values, check_text
from app.core.schemas import MAX_ID
from app.errors import BadRequest
from app.extensions import db, settings
from app.modules.hosts.models import SessionVia
from app.modules.hosts.web_sessions import close_host_session, open_host_session, sso_login
from app.web import bp
from app.web.host_session import (
    portal_headers,
    session_token,
    set_session_cookie,
    tenant_target,
)
from app.web.tenant import page_tenant

# Where a host lands without a redirect_url: the document's example.
DEFAULT_LANDING = "/conf/calls/upcoming"
MAX_URL = 2000


class SsoSchema(Schema):
    """What /auth reads; other parameters (an integrator's own) are ignored,
    as a link or form may carry them."""

    class Meta:
        unknown = EXCLUDE

    host_id = fields.Integer(required=True, validate=validate.Range(1, MAX_ID))
    login_token_public_key = fields.String(required=True, validate=validate.Length(1, 200))
    redirect_url = fields.String(validate=validate.Length(1, MAX_URL))
    after_call_url = fields.String(validate=validate.Length(1, MAX_URL))


sso_schema = SsoSchema()


@bp.route("/auth", methods=["GET", "POST"])
def sso() -> Response:
    """303 to the landing page with the session's cookie set; 400 for bad
    parameters (an open redirect included), 401 for a wrong or rotated key
    or a host that is not the company's, 429 once RATELIMIT_SSO is spent.
    Nothing is created unless the key is right."""
    tenant = page_tenant()
    portal_headers(tenant)  # no-store: a GET carries the key; framed by embed origins only
    if request.method == "HEAD":  # a link preview, not a person: nobody to log in
        return Response(status=204)
    data = _load(_parameters())
    landing = data.get("redirect_url") or DEFAULT_LANDING
    if not tenant_target(tenant, landing):
        raise BadRequest("redirect_url must be a path or an address on this company's "
                         "host names")
    after_call_url = data.get("after_call_url")
    if after_call_url is not None and not _web_address(after_call_url):
        raise BadRequest("after_call_url must be an http or https address")
    host = sso_login(tenant, data["host_id"], data["login_token_public_key"])
    previous = session_token()
    if previous:  # one browser, one session: the one it had ends
        close_host_session(previous)
    token = open_host_session(tenant, host, SessionVia.SSO, after_call_url)
    db.session.commit()
    response = redirect(landing, 303)
    set_session_cookie(response, token, settings().host_session_hours)
    return response


def _parameters() -> dict[str, Any]:
    if request.method == "GET":
        values: dict[str, Any] = request.args.to_dict()
    elif request.mimetype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object")
        check_json_values(body)
        values = body
    else:
        values = request.form.to_dict()
    for value in values.values():
        if isinstance(value, str):
            check_text(value)
    return values


def _load(values: dict[str, Any]) -> dict[str, Any]:
    try:
        data: dict[str, Any] = sso_schema.load(values)
    except ValidationError as exc:
        fields_named = ", ".join(sorted(exc.messages_dict)) if isinstance(exc.messages, dict) \
            else "the parameters"
        raise BadRequest(f"Missing or invalid: {fields_named}") from exc
    return data


def _web_address(url: str) -> bool:
    """An absolute http(s) address with a host, nothing a browser would
    read differently (no space, control character or backslash)."""
    if not url.isprintable() or any(c in url for c in "\\ "):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
