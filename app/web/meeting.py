"""The meeting page: /conf/call/<access_code> on a company's host name."""

from __future__ import annotations

import logging
from dataclasses import asdict

from flask import Response, make_response, render_template, request

from app.core.inputs import path_code
from app.core.rate_limits import ROOM_NOT_FOUND, client_address, limit_failures
from app.core.schemas import normalize_origin
from app.core.security_headers import page_policy
from app.extensions import settings
from app.modules.hosts.operations import NO_ROOM, host_by_access_code
from app.modules.meetings.operations import find_personal_room
from app.modules.settings.operations import page_settings
from app.modules.tenants.models import Tenant
from app.web import bp
from app.web.tenant import page_tenant

log = logging.getLogger(__name__)


@bp.get("/conf/call/<access_code>")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def meeting_page(access_code: str) -> Response:
    tenant = page_tenant()
    host = host_by_access_code(tenant, path_code(access_code, NO_ROOM))
    page = page_settings(tenant, find_personal_room(tenant, host), request.args)
    reconnect_seconds = settings().meeting_reconnect_seconds
    config = {"access_code": access_code, "host_name": host.name,
              "reconnect_seconds": reconnect_seconds,
              "embed_origins": embed_origins(tenant), **asdict(page)}
    response = make_response(render_template("web/meeting.html", config=config, page=page))
    response.headers["Content-Security-Policy"] = page_policy(frame_ancestors(tenant))
    return response


def frame_ancestors(company: Tenant) -> str:
    """Who may show the page in a frame: the platform itself and the company's
    allowed embed origins, nobody else (CSP frame-ancestors' sources)."""
    return " ".join(["'self'", *embed_origins(company)])


def embed_origins(company: Tenant) -> list[str]:
    """The company's embed origins, each checked again as it goes into a
    header: a value stored before origins were checked, or by hand, is left
    out (and logged), never copied into the page's policy or config."""
    kept: list[str] = []
    for origin in company.embed_origins:
        try:
            normalized = normalize_origin(origin)
        except ValueError:
            log.warning("company %s: embed origin %r is no origin; left out", company.id,
                        origin)
            continue
        if normalized not in kept:
            kept.append(normalized)
    return kept
