"""The one place that answers "what applies to this meeting, for this join"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.modules.tenants.models import Tenant
from app.modules.tenants.operations import branding_for
from app.protocol.signalling import MuteMode

# The meeting page's controls a company or an embedding page may hide.
HIDEABLE_CONTROLS = ("mic", "camera", "screen", "hand", "devices", "chat", "people", "leave")
LANGUAGES = ("en", "de", "fr", "es")

PLATFORM_DEFAULTS: dict[str, Any] = {
    "mute_mode": MuteMode.CONVERSATION, "hidden_controls": [], "after_call_url": None,
    "language": "en",
    # Scheduled rooms: open this long before their start, close this long
    # after their end; reminders go out these many minutes before the start.
    "early_join_minutes": 10, "close_grace_minutes": 15, "reminder_minutes": [15],
}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_YES = ("1", "true", "yes")


class RoomRules(Protocol):
    """What a room sets for itself (a meetings ``Room`` has it); None: the default."""

    @property
    def company_id(self) -> int: ...

    @property
    def mute_mode(self) -> MuteMode | None: ...

    @property
    def security_pin(self) -> str | None: ...


@dataclass(frozen=True)
class RoomSettings:
    """What the room itself asks of everyone who joins."""

    mute_mode: MuteMode
    security_pin: str | None

    @property
    def pin_required(self) -> bool:
        return self.security_pin is not None


@dataclass(frozen=True)
class PageSettings:
    """What the meeting page shows one person: the room's rules, narrowed by
    the company's defaults and the page's URL parameters."""

    pin_required: bool
    mute_mode: MuteMode
    hidden_controls: tuple[str, ...]
    after_call_url: str | None
    language: str
    layout: str  # grid | strip
    color: str
    display_name: str
    autojoin: bool
    mic_off: bool
    camera_off: bool


def company_defaults(company: Tenant) -> dict[str, Any]:
    """The platform's defaults for meetings, as the company overrides them."""
    return {**PLATFORM_DEFAULTS, **company.meeting_defaults}


def room_settings(company: Tenant, room: RoomRules | None) -> RoomSettings:
    """The rules of ``room`` (None: a host's room not used yet): its own, else
    the company's defaults."""
    assert room is None or room.company_id == company.id
    mode = (room and room.mute_mode) or company_defaults(company)["mute_mode"]
    return RoomSettings(mute_mode=MuteMode(mode),
                        security_pin=room.security_pin if room else None)


def page_settings(company: Tenant, room: RoomRules | None,
                  parameters: Mapping[str, str]) -> PageSettings:
    """Settings for one page view. URL parameters may only hide more controls,
    never show one the company hid; unknown parameters and bad values are
    ignored (docs/embedding.md)."""
    defaults = company_defaults(company)
    rules = room_settings(company, room)
    asked_hidden = {item.strip() for item in parameters.get("hide", "").split(",")}
    hidden = set(defaults["hidden_controls"]) | (asked_hidden & set(HIDEABLE_CONTROLS))
    language = parameters.get("lang", "").strip().lower()
    color = parameters.get("color", "")
    return PageSettings(
        pin_required=rules.pin_required,
        mute_mode=rules.mute_mode,
        hidden_controls=tuple(c for c in HIDEABLE_CONTROLS if c in hidden),
        after_call_url=defaults["after_call_url"],
        language=language if language in LANGUAGES else defaults["language"],
        layout="strip" if parameters.get("layout") == "strip" else "grid",
        color=color if _COLOUR.match(color) else branding_for(company)["primary_color"],
        display_name=parameters.get("name", "").strip()[:100],
        autojoin=parameters.get("autojoin", "").lower() in _YES,
        mic_off=parameters.get("mic") == "off",
        camera_off=parameters.get("camera") == "off",
    )
