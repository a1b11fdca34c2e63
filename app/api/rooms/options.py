"""Eyeson's room options and what Confera does with each (docs/rooms-api.md).

Those that change the meeting page or session map onto the domain's room
options (``meetings.room_options``); the API's feature gates
(``*_available``) and what only Eyeson's own media server does are kept in
``Room.integration_data["options"]``, given back as they were set, and the
gates enforced by this API (405, or 403 for lock and kick, as the
documents say)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from app.api.rooms.errors import FeatureNotAvailable
from app.errors import Forbidden, ValidationFailed
from app.modules.meetings.models import Room
from app.modules.meetings.room_options import room_options_schema

# Every option with its default, in the order Eyeson's answers show them.
DEFAULTS: dict[str, Any] = {
    "show_names": True,
    "show_label": True,
    "exit_url": None,
    "recording_available": True,
    "broadcast_available": True,
    "layout_available": True,
    "layout": "auto",
    "reaction_available": True,
    "suggest_guest_names": True,
    "lock_available": False,
    "kick_available": True,
    "sfu_mode": "ptp",
    "layout_users": None,
    "layout_name": None,
    "layout_map": None,
    "voice_activation": False,
    "custom_fields": {},
    "widescreen": False,
    "background_color": "#121212",
    "guest_token_available": True,
    "audio_insert": "audio_only",
    "audio_insert_position": {"x": None, "y": None},
}
# Gates whose refusal is 403 FORBIDDEN; every other gate's is 405.
FORBIDDEN_GATES = ("lock_available", "kick_available")


def eyeson_options(given: dict[str, Any]) -> dict[str, Any]:
    """Every option: the defaults with ``given`` (loaded ``options[...]``) over them."""
    options = {**DEFAULTS, **given}
    options["custom_fields"] = dict(given.get("custom_fields") or {})
    options["audio_insert_position"] = {**DEFAULTS["audio_insert_position"],
                                        **(given.get("audio_insert_position") or {})}
    return options


def room_columns(options: dict[str, Any]) -> dict[str, Any]:
    """What ``options`` (all of them, ``eyeson_options``) ask of the room:
    its ``options`` (the meeting page and session) and ``integration_data``."""
    custom = options["custom_fields"]
    mapped: dict[str, Any] = {
        "show_names": options["show_names"], "show_label": options["show_label"],
        "record": options["recording_available"], "reactions": options["reaction_available"],
        "widescreen": options["widescreen"], "background_color": options["background_color"],
        "hide_chat": bool(custom.get("hide_chat", False)),
    }
    for ours, value in (("exit_url", options["exit_url"]), ("logo_url", custom.get("logo")),
                        ("language", custom.get("locale"))):
        if value is not None:
            mapped[ours] = value
    try:
        room_options = room_options_schema.load(mapped)
    except ValidationError as exc:  # (the request schema checked the same first)
        raise ValidationFailed("Invalid options", {"options": exc.messages}) from exc
    return {"options": room_options, "integration_data": {"options": options}}


def options_of(room: Room) -> dict[str, Any]:
    """The room's options as Eyeson answers them."""
    return eyeson_options((room.integration_data or {}).get("options") or {})


def require_available(room: Room, gate: str) -> None:
    """405 (403 for lock and kick) when the room's ``options[gate]`` is false."""
    if not options_of(room)[gate]:
        feature = gate.removesuffix("_available")
        if gate in FORBIDDEN_GATES:
            raise Forbidden(f"options[{gate}] is false: {feature} is not available in this room")
        raise FeatureNotAvailable(
            f"options[{gate}] is false: {feature} is not available in this room")
