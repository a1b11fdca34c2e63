"""What an integration room's options (app/modules/meetings/room_options.py)
change on the meeting page of one participant: the room level of the
settings cascade for those rooms (where the page goes on leave, its language,
what it hides), and what it shows (welcome messages, banner, logo, colours).
The rules (who may publish, chat, record) are the node's and the domain's;
the page only stops offering what they would refuse. docs/room-options.md."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

from app.modules.meetings.models import Room
from app.modules.meetings.room_options import RoomOptions
from app.modules.settings.cascade import HIDEABLE_CONTROLS, LANGUAGES
from app.modules.settings.operations import PageSettings
from app.protocol.join_token import Role

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)
_LINE_BREAKS = frozenset({"br", "p", "div", "li"})


def page_with_options(page: PageSettings, options: RoomOptions, role: Role,
                      parameters: Mapping[str, str]) -> PageSettings:
    """``page`` with the room's options applied: its exit_url is where the
    page goes, its language unless the URL asks for one, its microphone off
    at join with mute_on_start, and the controls it hides (chat, the people
    list and locked sources for attendees)."""
    hidden = set(page.hidden_controls) | _hidden_by(options, role)
    language = options.language if options.language in LANGUAGES and \
        "lang" not in parameters else page.language
    return replace(
        page, after_call_url=options.exit_url or page.after_call_url, language=language,
        mic_off=page.mic_off or options.mute_on_start,
        hidden_controls=tuple(c for c in HIDEABLE_CONTROLS if c in hidden),
        recording_allowed=page.recording_allowed and options.record)


def _hidden_by(options: RoomOptions, role: Role) -> set[str]:
    hidden = {"chat"} if options.hide_chat else set()
    if role is Role.MODERATOR:
        return hidden
    lock = options.lock
    locked = lock.lock_on_join and {
        "people": lock.hide_user_list, "camera": lock.disable_camera,
        "mic": lock.disable_microphone}
    return hidden | {control for control, on in (locked or {}).items() if on}


def options_config(room: Room, options: RoomOptions, role: Role,
                   page: PageSettings) -> dict[str, Any]:
    """What the page's script needs of the options (into its config)."""
    moderator = role is Role.MODERATOR
    return {
        "welcome_message": welcome_text(options.welcome_message, room),
        "moderator_message": welcome_text(options.moderator_message, room)
        if moderator else None,
        "recording_controls": page.recording_allowed and options.allow_start_stop_recording,
        "lobby": moderator and options.guest_policy == "ask_moderator",
    }


def page_look(options: RoomOptions, role: Role) -> dict[str, Any]:
    """What the template draws: the banner, logo, colours and body classes
    (checked again here: a value stored by hand never reaches a style)."""
    lock = options.lock
    chat_locked = role is not Role.MODERATOR and lock.lock_on_join and lock.disable_public_chat
    classes = [name for name, on in (
        ("hide-names", not options.show_names), ("hide-label", not options.show_label),
        ("widescreen", options.widescreen), ("no-reactions", not options.reactions),
        ("hide-chat-form", chat_locked)) if on]
    return {
        "banner_text": options.banner_text,
        "banner_color": _colour(options.banner_color),
        "background_color": _colour(options.background_color),
        "logo_url": options.logo_url if options.logo_url and
        _HTTP_URL.match(options.logo_url) else None,
        "body_classes": classes,
    }


def welcome_text(message: str | None, room: Room) -> str | None:
    """A welcome message as text, with BBB's keywords replaced (%%CONFNAME%%:
    the room's name; this platform has no dial-in, so %%DIALNUM%% and
    %%CONFNUM%% are left empty) and its limited HTML (BBB allows some) read
    as text: line breaks kept, tags dropped."""
    if not message:
        return None
    name = room.title or room.external_id or ""
    text = message.replace("%%CONFNAME%%", name).replace("%%DIALNUM%%", "") \
        .replace("%%CONFNUM%%", "")
    return _TextOfHtml.of(text)


def _colour(value: str | None) -> str | None:
    return value if value and _COLOUR.match(value) else None


class _TextOfHtml(HTMLParser):
    """The text of a snippet of HTML (the stdlib's parser, which never fails)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    @classmethod
    def of(cls, markup: str) -> str:
        parser = cls()
        parser.feed(markup)
        parser.close()
        return "".join(parser.parts).strip()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
