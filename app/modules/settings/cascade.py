"""The declared table of every cascade setting, and how levels combine.

Adding a setting: one ``Setting`` row in ``SETTINGS`` and its field in
``schemas.MeetingDefaultsSchema`` (a test fails when the two disagree);
docs/settings.md lists them. Nothing here touches the database: the levels'
values come in as mappings, so every reader (pages, APIs, nodes) gets the
same answer from the same rows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.errors import ValidationFailed
from app.protocol.signalling import MuteMode

# The meeting page's controls a level may hide.
HIDEABLE_CONTROLS = ("mic", "camera", "screen", "hand", "devices", "chat", "people", "leave")
LANGUAGES = ("en", "de", "fr", "es")
LAYOUTS = ("grid", "strip")


class Level(enum.IntEnum):
    """Where a value comes from, least specific first."""

    PLATFORM = 0
    RESELLER = 1
    COMPANY = 2
    HOST = 3
    ROOM = 4  # the room's own columns (mute mode, PIN)
    JOIN = 5  # the page's URL parameters

    @property
    def label(self) -> str:
        return self.name.lower()


class Kind(enum.StrEnum):
    VALUE = "value"  # the most specific level that sets it wins
    HIDDEN = "hidden"  # a list every level may only add to (what it hides)
    ALLOWED = "allowed"  # a permission: once a level says false, no level below says true


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: Any
    lowest: Level  # the most specific level that may set it; lower ones are refused
    about: str

    def merge(self, parent: Any, own: Any) -> Any:
        """The value below a level whose parent resolved to ``parent`` and
        that asks for ``own``: a permission is only ever narrowed, a wider ask
        is ignored (never an error when reading)."""
        if self.kind is Kind.ALLOWED:
            return bool(parent) and own is True
        if self.kind is Kind.HIDDEN:
            return [*parent, *(item for item in own if item not in parent)]
        return own


SETTINGS: tuple[Setting, ...] = (
    Setting("mute_mode", Kind.VALUE, MuteMode.CONVERSATION, Level.ROOM,
            "who may speak when a meeting starts: conversation, presentation, qa"),
    Setting("language", Kind.VALUE, "en", Level.JOIN,
            "the meeting page's language (?lang=)"),
    Setting("layout", Kind.VALUE, "grid", Level.JOIN,
            "the meeting page's layout: grid or strip (?layout=)"),
    Setting("after_call_url", Kind.VALUE, None, Level.HOST,
            "where the page goes when someone leaves; null: it stays"),
    Setting("hidden_controls", Kind.HIDDEN, [], Level.JOIN,
            "the page's controls hidden from everyone (?hide= adds more)"),
    Setting("recording_allowed", Kind.ALLOWED, True, Level.HOST,
            "meetings may be recorded"),
    Setting("transcription_allowed", Kind.ALLOWED, True, Level.HOST,
            "meetings may be transcribed"),
    Setting("live_stream_allowed", Kind.ALLOWED, True, Level.HOST,
            "meetings may be streamed live to viewers"),
    # Scheduled rooms open this long before their start and close this long
    # after their end; reminders go out these many minutes before the start.
    # The company's value is what scheduling reads, so hosts cannot set them.
    Setting("early_join_minutes", Kind.VALUE, 10, Level.COMPANY,
            "a scheduled room opens this many minutes before its start"),
    Setting("close_grace_minutes", Kind.VALUE, 15, Level.COMPANY,
            "a scheduled room closes this many minutes after its end"),
    Setting("reminder_minutes", Kind.VALUE, [15], Level.COMPANY,
            "reminders go out these many minutes before a conference"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def platform_defaults() -> dict[str, Any]:
    """Every setting at its platform default (a fresh copy: lists are mutable)."""
    return {s.name: list(s.default) if isinstance(s.default, list) else s.default
            for s in SETTINGS}


def resolve(levels: Iterable[tuple[Level, Mapping[str, Any]]]) -> dict[str, Any]:
    """Every setting as the platform default and then ``levels`` (least
    specific first) make it. A level's value for a setting it may not set,
    and keys that name no setting (kept from an older version), are ignored."""
    values = platform_defaults()
    for level, given in levels:
        for name, own in given.items():
            setting = BY_NAME.get(name)
            if setting is not None and level <= setting.lowest:
                values[name] = setting.merge(values[name], own)
    return values


def check_level_values(level: Level, values: Mapping[str, Any],
                       parent: Mapping[str, Any]) -> None:
    """Refuse (422, naming each setting) what ``level`` may not store: a
    setting set only higher up, or a permission its ``parent`` (the resolved
    values above it) does not give. Reading never refuses: this is for the
    operations that store a level's values."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        setting = BY_NAME.get(name)
        if setting is None:
            errors[name] = ["Unknown setting."]
        elif level > setting.lowest:
            errors[name] = [f"Not set per {level.label}: set it per {setting.lowest.label} "
                            "or above."]
        elif setting.kind is Kind.ALLOWED and value is True and not parent[name]:
            errors[name] = [f"Not allowed here: turned off above this {level.label}."]
    if errors:
        raise ValidationFailed(f"Not possible here: {', '.join(sorted(errors))}",
                               {"meeting_defaults": errors})
