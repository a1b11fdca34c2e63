"""The live-stream player: /livestream/<access_code> on a company's host
name, its status (polled by the page) and its live playlist, whose segment
links point into storage (docs/livestream.md)."""

from __future__ import annotations

from flask import Response, jsonify, make_response, render_template

from app.core.inputs import path_code
from app.core.rate_limits import ROOM_NOT_FOUND, client_address, limit_failures
from app.core.security_headers import page_policy
from app.modules.hosts.operations import NO_ROOM
from app.modules.outputs.livestream import live_playlist, stream_at
from app.web import bp
from app.web.meeting import frame_ancestors
from app.web.tenant import page_tenant

STATUS_POLL_SECONDS = 3
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


@bp.get("/livestream/<access_code>")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def livestream_page(access_code: str) -> Response:
    tenant = page_tenant()
    code = path_code(access_code, NO_ROOM)
    stream = stream_at(tenant, code)
    response = make_response(render_template(
        "web/livestream.html", stream=stream, access_code=code,
        poll_seconds=STATUS_POLL_SECONDS))
    response.headers["Content-Security-Policy"] = page_policy(frame_ancestors(tenant))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/livestream/<access_code>/status")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def livestream_status(access_code: str) -> Response:
    stream = stream_at(page_tenant(), path_code(access_code, NO_ROOM))
    response = jsonify({"state": stream.state.value, "reason": stream.reason})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/livestream/<access_code>/live.m3u8")
@limit_failures(ROOM_NOT_FOUND, lambda: [client_address()])
def livestream_playlist(access_code: str) -> Response:
    text = live_playlist(page_tenant(), path_code(access_code, NO_ROOM))
    response = make_response(text)
    response.headers["Content-Type"] = PLAYLIST_TYPE
    # A live playlist changes every segment: a cached one would stall viewers.
    response.headers["Cache-Control"] = "no-cache"
    return response
