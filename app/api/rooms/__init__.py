"""The Eyeson-style rooms REST API on a company's host name: the paths of
Eyeson's API (``/rooms``, ``/rooms/<access_key>/...``, ``/guests/<token>``,
``/webhooks``) under ``/api/rooms/v1``, so an Eyeson client changes only its
base URL (docs/rooms-api.md)."""

from flask import Blueprint

from app.api.rooms.errors import render_rooms_error
from app.api.rooms.urls import PREFIX
from app.core.error_rendering import register_error_renderer

bp = Blueprint("rooms_api", __name__, url_prefix=PREFIX)
register_error_renderer(bp, render_rooms_error)

from app.api.rooms import (  # noqa: E402, F401  (routes; webhook_format registers "eyeson")
    broadcasts,
    guests,
    layers,
    layout,
    playbacks,
    recordings,
    rooms,
    snapshots,
    users,
    webhook_format,
    webhooks,
)
