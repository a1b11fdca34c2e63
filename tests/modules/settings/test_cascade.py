"""The settings cascade, one table over every declared setting x every level:
platform -> reseller (when the company inherits) -> company -> host -> room ->
the join's URL parameters. A plain value: the most specific level wins. A
permission (hidden controls, *_allowed): each level only narrows, a wider ask
below is ignored when reading and refused (422, naming it) when stored."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from app.errors import ValidationFailed
from app.modules.settings import operations as cascade
from app.modules.settings.cascade import BY_NAME, SETTINGS, Kind, Level, Setting
from app.modules.settings.schemas import MeetingDefaultsSchema
from app.modules.tenants.models import Company, Reseller, Tenant
from app.protocol.signalling import MuteMode

# Three values per plain setting, each unlike the one before and the first
# unlike the platform default: what the reseller, the company and the host set.
VALUES: dict[str, tuple[Any, Any, Any]] = {
    "mute_mode": ("presentation", "qa", "conversation"),
    "language": ("de", "fr", "es"),
    "layout": ("strip", "grid", "strip"),
    "after_call_url": ("https://reseller.example/", "https://company.example/",
                       "https://host.example/"),
    "hidden_controls": (["chat"], ["screen"], ["hand"]),
    "early_join_minutes": (5, 20, 30),
    "close_grace_minutes": (30, 0, 5),
    "reminder_minutes": ([60], [5, 30], [1]),
    # Permissions: each level turns it off in the cases that narrow.
    "recording_allowed": (False, False, False),
    "transcription_allowed": (False, False, False),
    "live_stream_allowed": (False, False, False),
}
# The URL parameter that asks for a setting at the join, and a value it asks.
URL_ASKS = {"language": ("lang", "es"), "layout": ("layout", "strip"),
            "hidden_controls": ("hide", "people")}
# What a room sets for itself (its columns, app.modules.settings.RoomRules).
ROOM_SETS = {"mute_mode"}


@dataclass(frozen=True)
class Room:
    """A room as the cascade reads it (meetings.Room has the same properties)."""

    company_id: int
    mute_mode: MuteMode | None = None
    security_pin: str | None = None
    organizer_defaults: dict[str, Any] = field(default_factory=dict)


def company(reseller: dict[str, Any] | None = None, own: dict[str, Any] | None = None,
            inherits: bool = True) -> Tenant:
    """A company as every read sees it (made from rows that are never stored)."""
    row = Company(
        id=7, reseller_id=3, subdomain="joe", name="Joe", embed_origins=[], branding={},
        meeting_defaults=own or {}, inherit_reseller_defaults=inherits,
        reseller=Reseller(name="Confera", domain="confera.localhost", branding={},
                          meeting_defaults=reseller or {}))
    return Tenant.of(row)


def applied(tenant: Tenant, host: dict[str, Any] | None = None, room: Room | None = None,
            parameters: dict[str, str] | None = None) -> dict[str, Any]:
    """Every setting as what reads it sees it: the meeting page for what it
    shows, the host level for the rest (scheduling reads the company's)."""
    room = room or Room(company_id=tenant.id, organizer_defaults=host or {})
    page = cascade.page_settings(tenant, room, parameters or {})
    resolved = cascade.host_defaults(tenant, host or {})
    seen = {s.name: getattr(page, s.name, resolved[s.name]) for s in SETTINGS}
    seen["hidden_controls"] = list(page.hidden_controls)
    return seen


def default(setting: Setting) -> Any:
    return cascade.PLATFORM_DEFAULTS[setting.name]


def reseller_sets_it(setting: Setting) -> None:
    reseller_value = VALUES[setting.name][0]
    assert reseller_value != default(setting)
    # A company that sets nothing sees the reseller's value ...
    assert applied(company(reseller={setting.name: reseller_value}))[setting.name] == \
        reseller_value
    assert cascade.company_defaults(company(reseller={setting.name: reseller_value}))[
        setting.name] == reseller_value


def company_does_not_inherit(setting: Setting) -> None:
    reseller_value = VALUES[setting.name][0]
    tenant = company(reseller={setting.name: reseller_value}, inherits=False)
    assert applied(tenant)[setting.name] == default(setting)
    if setting.kind is Kind.ALLOWED:  # nothing above it forbids it: it may store true
        cascade.check_company_defaults(tenant, {setting.name: True})


def company_sets_it(setting: Setting) -> None:
    reseller_value, company_value, _ = VALUES[setting.name]
    tenant = company(reseller={setting.name: reseller_value}, own={setting.name: company_value})
    seen = applied(tenant)[setting.name]
    if setting.kind is Kind.VALUE:
        assert seen == company_value  # the company's own wins over the reseller's
    elif setting.kind is Kind.HIDDEN:
        assert set(seen) == {*reseller_value, *company_value}  # hidden above stays hidden
    else:
        # The reseller turned it off: a company asking for it is ignored ...
        widened = company(reseller={setting.name: False}, own={setting.name: True})
        assert applied(widened)[setting.name] is False
        # ... and refused when stored, naming the setting.
        with pytest.raises(ValidationFailed) as refused:
            cascade.check_company_defaults(widened, {setting.name: True})
        assert setting.name in refused.value.message
        assert refused.value.errors["meeting_defaults"][setting.name]
        # Turned off by the company alone.
        assert applied(company(own={setting.name: False}))[setting.name] is False


def host_sets_it(setting: Setting) -> None:
    _, company_value, host_value = VALUES[setting.name]
    tenant = company(own={setting.name: company_value})
    seen = applied(tenant, host={setting.name: host_value})[setting.name]
    if setting.lowest < Level.HOST:
        # A setting only companies set (scheduling reads it there): a host's
        # stored value changes nothing, and storing one is refused.
        assert seen == company_value
        with pytest.raises(ValidationFailed) as refused:
            cascade.check_host_defaults(tenant, {setting.name: host_value})
        assert setting.name in refused.value.message
    elif setting.kind is Kind.VALUE:
        assert seen == host_value  # the host's wins over the company's
        cascade.check_host_defaults(tenant, {setting.name: host_value})
    elif setting.kind is Kind.HIDDEN:
        assert set(seen) == {*company_value, *host_value}
    else:
        widened = company(own={setting.name: False})
        assert applied(widened, host={setting.name: True})[setting.name] is False
        with pytest.raises(ValidationFailed) as refused:
            cascade.check_host_defaults(widened, {setting.name: True})
        assert setting.name in refused.value.message
        cascade.check_host_defaults(company(), {setting.name: True})  # nothing forbids it
        # Hidden by the reseller: neither the company nor the host shows it again.
        from_reseller = company(reseller={setting.name: False})
        assert applied(from_reseller, host={setting.name: True})[setting.name] is False


def room_sets_it(setting: Setting) -> None:
    tenant = company(reseller={setting.name: VALUES[setting.name][0]},
                     own={setting.name: VALUES[setting.name][1]})
    host = {setting.name: VALUES[setting.name][2]} if setting.lowest >= Level.HOST else {}
    below_host = applied(tenant, host)[setting.name]
    if setting.name in ROOM_SETS:  # the room's own column wins
        room = Room(company_id=tenant.id, mute_mode=MuteMode.PRESENTATION,
                    organizer_defaults=host)
        assert applied(tenant, room=room)[setting.name] == MuteMode.PRESENTATION
        # A room that sets nothing takes its host's.
        assert applied(tenant, room=replace(room, mute_mode=None))[setting.name] == \
            below_host
    else:  # nothing in a room sets it: as above
        room = Room(company_id=tenant.id, mute_mode=MuteMode.QA, security_pin="123456",
                    organizer_defaults=host)
        assert applied(tenant, room=room)[setting.name] == below_host


def join_asks_for_it(setting: Setting) -> None:
    reseller_value, company_value, _ = VALUES[setting.name]
    tenant = company(reseller={setting.name: reseller_value}, own={setting.name: company_value})
    above = applied(tenant)[setting.name]
    if setting.name in URL_ASKS:
        parameter, asked = URL_ASKS[setting.name]
        seen = applied(tenant, parameters={parameter: asked})[setting.name]
        if setting.kind is Kind.HIDDEN:
            assert set(seen) == {*above, asked}  # a URL may hide more
            # ... but never show what a level above hid.
            assert applied(tenant, parameters={parameter: ""})[setting.name] == above
        else:
            assert seen == asked
    else:
        # No URL parameter sets it: one named like it changes nothing (a URL
        # cannot widen a permission the company narrowed).
        asked_for = {setting.name: "true", "hide": "", "lang": "", "layout": ""}
        assert applied(tenant, parameters=asked_for)[setting.name] == above


LEVELS = {"reseller": reseller_sets_it, "company not inheriting": company_does_not_inherit,
          "company": company_sets_it, "host": host_sets_it, "room": room_sets_it,
          "join": join_asks_for_it}


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_at_every_level(setting: Setting, level: str) -> None:
    LEVELS[level](setting)


def test_the_table_the_samples_and_the_schema_name_the_same_settings() -> None:
    assert set(VALUES) == set(BY_NAME) == set(MeetingDefaultsSchema().fields)
    assert set(cascade.PLATFORM_DEFAULTS) == set(BY_NAME)


def test_the_reseller_hides_chat_and_nothing_below_shows_it() -> None:
    tenant = company(reseller={"hidden_controls": ["chat"]}, own={"hidden_controls": []})
    room = Room(company_id=tenant.id, organizer_defaults={"hidden_controls": []})
    page = cascade.page_settings(tenant, room, {"hide": ""})
    assert "chat" in page.hidden_controls
    page = cascade.page_settings(tenant, room, {"hide": "screen"})
    assert set(page.hidden_controls) == {"chat", "screen"}


def test_recording_off_at_the_company_ignores_the_hosts_true() -> None:
    tenant = company(own={"recording_allowed": False})
    room = Room(company_id=tenant.id, organizer_defaults={"recording_allowed": True})
    assert cascade.page_settings(tenant, room, {}).recording_allowed is False
    assert cascade.host_defaults(tenant, {"recording_allowed": True})[
        "recording_allowed"] is False


def test_a_room_not_used_yet_takes_its_hosts_defaults_when_given() -> None:
    tenant = company(own={"language": "de"})
    page = cascade.page_settings(tenant, None, {}, organizer_defaults={"language": "fr"})
    assert page.language == "fr"
    assert cascade.page_settings(tenant, None, {}).language == "de"


def test_values_stored_by_hand_or_by_an_older_version_never_break_a_read() -> None:
    tenant = company(reseller={"colour": "red", "language": "tlh"},
                     own={"layout": "mosaic", "recording_allowed": "yes"})
    page = cascade.page_settings(tenant, None, {})
    assert page.language == "en" and page.layout == "grid"
    assert page.recording_allowed is False  # anything but true narrows


def test_a_reseller_may_store_every_setting() -> None:
    cascade.check_reseller_defaults({name: values[0] for name, values in VALUES.items()})
