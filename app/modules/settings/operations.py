"""The one place that answers "what applies to this meeting, for this join":
platform default -> reseller (for a company that inherits) -> company ->
host -> room -> the join's URL parameters, each level narrowing what its
parent allows where the setting is a permission (``cascade.SETTINGS``).

This package sits below ``tenants`` in the domain (docs/architecture.md):
it reads companies and rooms through the protocols below, so the operations
that store a level's values (tenants, hosts) can check them here."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from app.modules.settings.cascade import (
    HIDEABLE_CONTROLS,
    LANGUAGES,
    LAYOUTS,
    Level,
    check_level_values,
    platform_defaults,
    resolve,
)
from app.protocol.signalling import MuteMode

PLATFORM_DEFAULTS: dict[str, Any] = platform_defaults()
DEFAULT_BRANDING: dict[str, Any] = {"primary_color": "#1f6feb"}
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_YES = ("1", "true", "yes")


class ResellerLevel(Protocol):
    """What the cascade reads of a reseller (``ResellerRecord`` and the row have it)."""

    @property
    def name(self) -> str: ...

    @property
    def branding(self) -> Mapping[str, Any]: ...

    @property
    def meeting_defaults(self) -> Mapping[str, Any]: ...


class CompanyLevel(Protocol):
    """What the cascade reads of a company (``Tenant`` and the row have it)."""

    @property
    def id(self) -> int: ...

    @property
    def branding(self) -> Mapping[str, Any]: ...

    @property
    def meeting_defaults(self) -> Mapping[str, Any]: ...

    @property
    def inherit_reseller_defaults(self) -> bool: ...

    @property
    def reseller(self) -> ResellerLevel: ...


class RoomRules(Protocol):
    """What a room sets for itself (a meetings ``Room`` has it); None: the default."""

    @property
    def company_id(self) -> int: ...

    @property
    def mute_mode(self) -> MuteMode | None: ...

    @property
    def security_pin(self) -> str | None: ...

    @property
    def organizer_defaults(self) -> Mapping[str, Any]:
        """The host level: the meeting defaults of the host the room is for."""
        ...


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
    the host's, company's and reseller's defaults and the page's URL parameters."""

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
    recording_allowed: bool
    transcription_allowed: bool
    live_stream_allowed: bool


def branding(company: CompanyLevel) -> dict[str, Any]:
    """Branding as it applies: platform default, then reseller, then company.
    The product is named after the reseller unless it says otherwise. Every
    company carries its reseller's branding, inheriting defaults or not."""
    reseller = company.reseller
    return {**DEFAULT_BRANDING, "product_name": reseller.name, **reseller.branding,
            **company.branding}


def reseller_defaults(company: CompanyLevel) -> dict[str, Any]:
    """What the level above ``company`` resolves to: the reseller's defaults
    when the company inherits them, else the platform's."""
    return resolve(_reseller_level(company))


def company_defaults(company: CompanyLevel) -> dict[str, Any]:
    """The platform's defaults for meetings, as the reseller (when the
    company inherits) and then the company set them."""
    return resolve([*_reseller_level(company), (Level.COMPANY, company.meeting_defaults)])


def host_defaults(company: CompanyLevel, own: Mapping[str, Any]) -> dict[str, Any]:
    """``company_defaults`` as a host of ``company`` with the defaults ``own`` sets them."""
    return resolve([*_reseller_level(company), (Level.COMPANY, company.meeting_defaults),
                    (Level.HOST, own)])


def check_reseller_defaults(values: Mapping[str, Any]) -> None:
    """Refuse (422) defaults a reseller may not store."""
    check_level_values(Level.RESELLER, values, PLATFORM_DEFAULTS)


def check_company_defaults(company: CompanyLevel, values: Mapping[str, Any]) -> None:
    """Refuse (422, naming the setting) defaults ``company`` may not store:
    a permission the reseller turned off (for a company that inherits)."""
    check_level_values(Level.COMPANY, values, reseller_defaults(company))


def check_host_defaults(company: CompanyLevel, values: Mapping[str, Any]) -> None:
    """Refuse (422, naming the setting) defaults a host of ``company`` may not
    store: a permission its company turned off, a setting only companies set."""
    check_level_values(Level.HOST, values, company_defaults(company))


def room_settings(company: CompanyLevel, room: RoomRules | None, *,
                  organizer_defaults: Mapping[str, Any] | None = None) -> RoomSettings:
    """The rules of ``room`` (None: a host's room not used yet, whose host's
    defaults ``organizer_defaults`` may give): its own, else the defaults."""
    assert room is None or room.company_id == company.id
    defaults = _room_defaults(company, room, organizer_defaults)
    mode = (room and room.mute_mode) or defaults["mute_mode"]
    return RoomSettings(mute_mode=MuteMode(mode),
                        security_pin=room.security_pin if room else None)


def page_settings(company: CompanyLevel, room: RoomRules | None,
                  parameters: Mapping[str, str], *,
                  organizer_defaults: Mapping[str, Any] | None = None) -> PageSettings:
    """Settings for one page view. URL parameters may only hide more controls,
    never show one a level above hid; unknown parameters and bad values are
    ignored (docs/embedding.md)."""
    defaults = _room_defaults(company, room, organizer_defaults)
    rules = room_settings(company, room, organizer_defaults=organizer_defaults)
    asked_hidden = {item.strip() for item in parameters.get("hide", "").split(",")}
    hidden = set(defaults["hidden_controls"]) | (asked_hidden & set(HIDEABLE_CONTROLS))
    language = parameters.get("lang", "").strip().lower()
    layout = parameters.get("layout", "")
    color = parameters.get("color", "")
    return PageSettings(
        pin_required=rules.pin_required,
        mute_mode=rules.mute_mode,
        hidden_controls=tuple(c for c in HIDEABLE_CONTROLS if c in hidden),
        after_call_url=defaults["after_call_url"],
        language=language if language in LANGUAGES else _known(defaults["language"],
                                                                  LANGUAGES),
        layout=layout if layout in LAYOUTS else _known(defaults["layout"], LAYOUTS),
        color=color if _COLOUR.match(color) else branding(company)["primary_color"],
        display_name=parameters.get("name", "").strip()[:100],
        autojoin=parameters.get("autojoin", "").lower() in _YES,
        mic_off=parameters.get("mic") == "off",
        camera_off=parameters.get("camera") == "off",
        recording_allowed=defaults["recording_allowed"],
        transcription_allowed=defaults["transcription_allowed"],
        live_stream_allowed=defaults["live_stream_allowed"],
    )


def _reseller_level(company: CompanyLevel) -> list[tuple[Level, Mapping[str, Any]]]:
    if not company.inherit_reseller_defaults:
        return []
    return [(Level.RESELLER, company.reseller.meeting_defaults)]


def _room_defaults(company: CompanyLevel, room: RoomRules | None,
                   organizer_defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    own = room.organizer_defaults if room is not None else organizer_defaults
    return host_defaults(company, own or {})


def _known(value: Any, choices: tuple[str, ...]) -> str:
    """A stored value the page knows, else the platform's (a value stored by
    hand or by an older version must not break the page)."""
    return value if value in choices else choices[0]
