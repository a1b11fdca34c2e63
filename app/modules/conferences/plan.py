"""What a scheduler asks for, checked: every dialect (the enterprise_api, the
portal's form) hands its parsed input here, so both refuse the same things
with the same messages (422, nothing stored)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from app.errors import ValidationFailed
from app.modules.conferences import times
from app.protocol.signalling import MuteMode

T = TypeVar("T")

MAX_DURATION_MINUTES = 24 * 60
MAX_SUBJECT = 200
MAX_AGENDA = 5000
MAX_INVITEES = 100
# Far enough for any real booking; a start beyond it is a typo (year 2202).
MAX_AHEAD = timedelta(days=5 * 366)
AUTO_RECORD = ("none", "video", "audio")
PIN_DIGITS = (6, 12)  # a room's security PIN (SECURITY_PIN_DIGITS, docs/security.md)
# An address as mail headers carry it alone: no quotes, commas or brackets
# that would make a To header name someone else.
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164


@dataclass(frozen=True)
class EmailInvitee:
    email: str
    moderator: bool
    phone: str | None = None


@dataclass(frozen=True)
class Plan:
    """A conference as asked for; ``start_at`` is UTC."""

    subject: str
    agenda: str
    time_zone: str
    start_at: datetime
    duration_minutes: int
    auto_record: str
    auto_transcribe: bool
    own_code: bool
    security_pin: str | None
    mute_mode: MuteMode | None
    participants: tuple[int, ...]  # host ids other than the organizer's
    participant_emails: tuple[EmailInvitee, ...]

    @property
    def end_at(self) -> datetime:
        return self.start_at + timedelta(minutes=self.duration_minutes)


class _Checks:
    """Runs each field's check and gathers every refusal into one 422."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.fields: dict[str, Any] = {}

    def run(self, field: str, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except ValidationFailed as exc:
            self.messages.append(exc.message)
            self.fields.update(exc.errors or {field: [exc.message]})
            return None

    def raise_any(self) -> None:
        if self.messages:
            raise ValidationFailed("; ".join(self.messages), self.fields)


def new_plan(data: Mapping[str, Any], now: datetime) -> Plan:
    """The plan of a new conference from ``data`` (the create call's fields by
    name; ``start`` a wall-clock time in ``time_zone``), else 422."""
    checks = _Checks()
    zone_name = checks.run("time_zone", lambda: _zone(data.get("time_zone", "UTC")))
    start_at = checks.run("start", lambda: _start(data.get("start"), zone_name, now))
    plan = _plan(checks, data, {}, zone_name, start_at)
    checks.raise_any()
    assert plan is not None
    return plan


def changed_plan(plan: Plan, changes: Mapping[str, Any], now: datetime) -> Plan:
    """``plan`` with ``changes`` (only the fields given), else 422. A new zone
    without a new start keeps the instant (the meeting does not move)."""
    checks = _Checks()
    zone_name = checks.run("time_zone", lambda: _zone(changes.get("time_zone", plan.time_zone)))
    start_at: datetime | None = plan.start_at
    if "start" in changes:
        start_at = checks.run("start", lambda: _start(changes["start"], zone_name, now))
    base = {"subject": plan.subject, "agenda": plan.agenda,
            "duration": plan.duration_minutes, "auto_record": plan.auto_record,
            "auto_transcribe": plan.auto_transcribe, "one_time_access_code": plan.own_code,
            "security_pin": plan.security_pin, "mute_mode": plan.mute_mode,
            "participants": list(plan.participants),
            "participant_emails": [vars(e) for e in plan.participant_emails]}
    new = _plan(checks, changes, base, zone_name, start_at)
    checks.raise_any()
    assert new is not None
    return new


def _plan(checks: _Checks, data: Mapping[str, Any], base: Mapping[str, Any],
          zone_name: str | None, start_at: datetime | None) -> Plan | None:
    def value(key: str, default: Any = None) -> Any:
        return data[key] if key in data else base.get(key, default)

    fields = {
        "subject": checks.run("subject", lambda: _line(value("subject"))),
        "agenda": checks.run("agenda", lambda: _text(value("agenda", "") or "", "agenda",
                                                     0, MAX_AGENDA)),
        "duration_minutes": checks.run("duration", lambda: _duration(value("duration"))),
        "auto_record": checks.run("auto_record",
                                  lambda: _one_of(value("auto_record", "none"), "auto_record",
                                                  AUTO_RECORD)),
        "auto_transcribe": checks.run("auto_transcribe", lambda: _flag(
            value("auto_transcribe", False), "auto_transcribe")),
        "own_code": checks.run("one_time_access_code", lambda: _flag(
            value("one_time_access_code", False), "one_time_access_code")),
        "security_pin": checks.run("security_pin", lambda: _pin(value("security_pin"))),
        "mute_mode": checks.run("mute_mode", lambda: _mute_mode(value("mute_mode"))),
        "participants": checks.run("participants",
                                   lambda: _host_ids(value("participants", []))),
        "participant_emails": checks.run("participant_emails",
                                         lambda: _emails(value("participant_emails", []))),
    }
    if checks.messages or zone_name is None or start_at is None:
        return None
    return Plan(time_zone=zone_name, start_at=start_at, **fields)  # type: ignore[arg-type]


def _refuse(field: str, message: str, detail: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, {field: [detail or message]})


def _zone(name: Any) -> str:
    times.zone(name)
    return str(name)


def _start(text: Any, zone_name: str | None, now: datetime) -> datetime | None:
    wall = times.parse_wall_time(text)
    if zone_name is None:
        return None  # the zone's own refusal says why
    start_at = times.to_utc(wall, zone_name)
    if start_at <= now:
        raise _refuse("start", f"start {text} ({zone_name}) is in the past",
                      "Must be in the future.")
    if start_at > now + MAX_AHEAD:
        raise _refuse("start", f"start {text} is more than five years ahead",
                      "Must be within five years.")
    return start_at


def _text(value: Any, field: str, least: int, most: int) -> str:
    if not isinstance(value, str) or not least <= len(value.strip()) <= most:
        raise _refuse(field, f"{field} must be text of {least} to {most} characters")
    return value.strip()


def _line(value: Any) -> str:
    """The subject: one line (it becomes a mail's Subject header)."""
    text = _text(value, "subject", 1, MAX_SUBJECT)
    if not text.isprintable():
        raise _refuse("subject", "subject must be one line without control characters")
    return text


def _duration(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 1 <= value <= MAX_DURATION_MINUTES:
        raise _refuse("duration", f"duration must be 1 to {MAX_DURATION_MINUTES} minutes "
                                  f"(24 hours), not {value!r}")
    return value


def _one_of(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _refuse(field, f"{field} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _refuse(field, f"{field} must be true or false")
    return value


def _pin(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or \
            not PIN_DIGITS[0] <= len(text) <= PIN_DIGITS[1]:
        raise _refuse("security_pin", f"security_pin must have {PIN_DIGITS[0]} to "
                                      f"{PIN_DIGITS[1]} digits")
    return text


def _mute_mode(value: Any) -> MuteMode | None:
    if value is None or isinstance(value, MuteMode):
        return value
    try:
        return MuteMode(value)
    except ValueError:
        modes = ", ".join(m.value for m in MuteMode)
        raise _refuse("mute_mode", f"mute_mode must be one of {modes}") from None


def _host_ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_INVITEES or not all(
            isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in value):
        raise _refuse("participants", f"participants must be a list of at most "
                                      f"{MAX_INVITEES} host ids")
    return tuple(dict.fromkeys(value))  # each once, in the order given


def _emails(value: Any) -> tuple[EmailInvitee, ...]:
    if not isinstance(value, list | tuple) or len(value) > MAX_INVITEES:
        raise _refuse("participant_emails", f"participant_emails must be a list of at most "
                                            f"{MAX_INVITEES} invitees")
    invitees = [_invitee(item) for item in value]
    seen: set[str] = set()
    for invitee in invitees:
        if invitee.email in seen:
            raise _refuse("participant_emails", f"{invitee.email} is invited twice")
        seen.add(invitee.email)
    return tuple(invitees)


def _invitee(item: Any) -> EmailInvitee:
    if isinstance(item, EmailInvitee):
        item = vars(item)
    if not isinstance(item, Mapping) or not set(item) <= {"email", "moderator", "phone"}:
        raise _refuse("participant_emails", "each participant_emails item is "
                                            "{email, moderator[, phone]}")
    email = item.get("email")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.match(email.strip()):
        raise _refuse("participant_emails", f"not an email address: {email!r}")
    moderator = item.get("moderator", False)
    phone = item.get("phone")
    if not isinstance(moderator, bool):
        raise _refuse("participant_emails", "moderator must be true or false")
    if phone is not None and (not isinstance(phone, str) or not PHONE.match(phone)):
        raise _refuse("participant_emails", f"not a phone number in E.164 form "
                                            f"(+15551234567): {phone!r}")
    return EmailInvitee(email.strip().lower(), moderator, phone)
