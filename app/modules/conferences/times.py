"""Wall-clock times in an IANA time zone, to and from UTC, with one rule for
the hours that daylight saving time skips or repeats (docs/conferences.md):

- a time the clocks skip (spring forward) does not exist: it is refused,
  naming the zone and the gap;
- a time the clocks pass twice (fall back) means its first occurrence, the
  one before the clocks go back (PEP 495 ``fold=0``).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from functools import cache

from app.errors import ValidationFailed

WALL_FORMAT = "%Y-%m-%d %H:%M:%S"


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone ``name`` (an IANA name such as Europe/London), else 422."""
    if not isinstance(name, str) or name not in available_zones():
        raise ValidationFailed(f"Unknown time zone {name!r}: use an IANA name such as "
                               "Europe/London", {"time_zone": ["Not an IANA time zone."]})
    return zoneinfo.ZoneInfo(name)


@cache
def available_zones() -> frozenset[str]:
    # ZoneInfo("../etc") or a key with odd characters must never reach the file system.
    return frozenset(zoneinfo.available_timezones())


def parse_wall_time(text: str, field: str = "start") -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` as a naive wall-clock time, else 422."""
    try:
        return datetime.strptime(text, WALL_FORMAT)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} must be YYYY-MM-DD HH:MM:SS, not {text!r}",
                               {field: ["Use YYYY-MM-DD HH:MM:SS."]}) from None


def to_utc(wall: datetime, zone_name: str, field: str = "start") -> datetime:
    """The UTC instant of the wall-clock time ``wall`` in ``zone_name``, by
    the rule above (422 for a skipped time)."""
    tz = zone(zone_name)
    try:
        instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        skipped = instant.astimezone(tz).replace(tzinfo=None) != wall
    except OverflowError:  # year 1 or 9999 with an offset
        raise ValidationFailed(f"{field} is out of range", {field: ["Out of range."]}) from None
    if skipped:
        start, end = _gap_around(wall, tz)
        raise ValidationFailed(
            f"{wall:{WALL_FORMAT}} does not exist in {zone_name}: the clocks go from "
            f"{start:%H:%M} to {end:%H:%M} on {start:%Y-%m-%d} (daylight saving time), so "
            f"times from {start:%H:%M} up to {end:%H:%M} are skipped; choose another time",
            {field: [f"Not a time in {zone_name} (skipped by daylight saving time)."]})
    return instant


def to_wall(instant: datetime, zone_name: str) -> str:
    """``instant`` as ``YYYY-MM-DD HH:MM:SS`` on the clocks of ``zone_name``."""
    return instant.astimezone(zone(zone_name)).strftime(WALL_FORMAT)


def _gap_around(wall: datetime, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The skipped wall-clock interval [start, end) that holds ``wall``."""
    before = wall.replace(tzinfo=tz, fold=0).utcoffset()
    after = wall.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None and after is not None and after > before
    # The transition lies between these two instants; find it to the second.
    low = (wall - after).replace(tzinfo=UTC)
    high = (wall - before).replace(tzinfo=UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    transition = high.replace(microsecond=0)
    return ((transition + before).replace(tzinfo=None),
            (transition + after).replace(tzinfo=None))
