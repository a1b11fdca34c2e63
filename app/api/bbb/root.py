"""The API's root: a client's check that it reaches a BBB API (no checksum)."""

from __future__ import annotations

from flask import Response

from app.api.bbb import bp
from app.api.bbb.responses import success

API_VERSION = "2.0"


@bp.get("")
@bp.get("/")
def api_root() -> Response:
    return success([("version", API_VERSION)])
