"""The meeting page: /conf/call/<access_code> on a company's host name."""

from __future__ import annotations

import logging
from dataclasses import asdict

from flask import Response, make_response, render_template, request

from app.core.db import utcnow
from app.core.inputs import path_code, path_id
from app.core.rate_limits import ROOM_NOT_FOUND, client_address, limit_failures
from app.core.schemas import normalize_origin
from app.core.security_headers import page_policy
from app.extensions import settings
from app.modules.hosts.operations import NO_ROOM
from app.modules.meetings.passes import NO_PASS, pass_holder
from app.modules.meetings.room_rules import room_options
from app.modules.meetings.scheduling import (
    Address,
    RoomState,
    address_at,
    invited_moderator,
    state_of,
)
from app.modules.settings.operations import page_settings
from app.modules.tenants.models import Tenant
from app.protocol.join_token import Role
from app.web import bp
from app.web.room_page import options_config, page_look, page_with_options
from app.web.tenant import page_tenant

log = logging.getLogger(__name__)


@bp.get("/conf/call/<access_code>")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def meeting_page(access_code: str) -> Response:
    tenant = page_tenant()
    address = address_at(tenant, path_code(access_code, NO_ROOM))
    now = utcnow()
    state = state_of(address.room, now)
    if state is RoomState.OPEN:
        response = make_response(_room_page(tenant, address, access_code))
    else:
        # A scheduled room before it opens, or after it closed: its own page,
        # which reloads itself into the room when it opens.
        response = make_response(render_template(
            "web/waiting.html", room=address.room, state=state.value, now=now,
            host_name=address.organizer.name), 200 if state is RoomState.WAITING else 410)
        response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = page_policy(frame_ancestors(tenant))
    return response


@bp.get("/conf/pass/<key>")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def pass_page(key: str) -> Response:
    """The meeting page for the holder of a pass (an API client's join link):
    they join as the participant the client made, with its name and role,
    on the page the room's options ask for (app/web/room_page.py)."""
    tenant = page_tenant()
    participant, session = pass_holder(tenant, path_id(key, NO_PASS))
    room = session.room
    role = Role(participant.role)
    options = room_options(room)
    page = page_with_options(page_settings(tenant, room, request.args, organizer_defaults={}),
                             options, role, request.args)
    config = {"access_code": None, "pass": key, "host_name": room.title or tenant.name,
              "reconnect_seconds": settings().meeting_reconnect_seconds,
              "embed_origins": embed_origins(tenant), **asdict(page), "invite": None,
              "pin_required": False, "display_name": participant.display_name,
              **options_config(room, options, role, page)}
    response = make_response(render_template("web/meeting.html", config=config, page=page,
                                              look=page_look(options, role)))
    response.headers["Cache-Control"] = "no-store"  # the key is in the URL, not the page
    response.headers["Content-Security-Policy"] = page_policy(frame_ancestors(tenant))
    return response


def _room_page(tenant: Tenant, address: Address, access_code: str) -> str:
    page = page_settings(tenant, address.room, request.args,
                         organizer_defaults=address.organizer.meeting_defaults)
    invite = request.args.get("invite", "")
    # A moderator's invitation goes on to the join; a false one is left out
    # of the page (the join would refuse it), and so is the PIN it spares.
    invited = address.room is not None and invited_moderator(address.room, invite) is not None
    config = {"access_code": access_code, "host_name": address.organizer.name,
              "reconnect_seconds": settings().meeting_reconnect_seconds,
              "embed_origins": embed_origins(tenant), **asdict(page),
              "invite": invite if invited else None}
    if invited:
        config["pin_required"] = False
    return render_template("web/meeting.html", config=config, page=page)


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
