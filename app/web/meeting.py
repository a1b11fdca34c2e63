"""The meeting page: /conf/call/<access_code> on a company's host name."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, make_response, render_template, request

from app.core.inputs import path_code
from app.core.security_headers import page_policy
from app.extensions import settings
from app.modules.hosts.operations import NO_ROOM, host_by_access_code
from app.modules.meetings.operations import find_personal_room
from app.modules.settings.operations import page_settings
from app.modules.tenants.models import Tenant
from app.web import bp
from app.web.tenant import page_tenant


@bp.get("/conf/call/<access_code>")
def meeting_page(access_code: str) -> Response:
    tenant = page_tenant()
    host = host_by_access_code(tenant, path_code(access_code, NO_ROOM))
    page = page_settings(tenant, find_personal_room(tenant, host), request.args)
    reconnect_seconds = settings().meeting_reconnect_seconds
    config = {"access_code": access_code, "host_name": host.name,
              "reconnect_seconds": reconnect_seconds,
              "embed_origins": list(tenant.embed_origins), **asdict(page)}
    response = make_response(render_template("web/meeting.html", config=config, page=page))
    response.headers["Content-Security-Policy"] = page_policy(frame_ancestors(tenant))
    return response


def frame_ancestors(company: Tenant) -> str:
    """Who may show the page in a frame: the platform itself and the company's
    allowed embed origins, nobody else (CSP frame-ancestors' sources)."""
    return " ".join(["'self'", *company.embed_origins])
