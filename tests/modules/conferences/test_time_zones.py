"""A conference's start is a wall-clock time in an IANA zone: stored in UTC,
answered on the zone's clocks. Across daylight saving time changes, a time
the clocks skip is refused (422 naming the zone and the gap) and a time they
pass twice means its first occurrence (docs/conferences.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.conferences.models import Conference
from tests.conferences import make_world

# zone, start on its clocks, the UTC instant it means (None: skipped, 422)
CASES = [
    # Europe/London: BST from 2027-03-28 01:00 UTC to 2027-10-31 01:00 UTC
    ("Europe/London", "2027-01-15 12:00:00", "2027-01-15 12:00:00"),
    ("Europe/London", "2027-07-01 12:00:00", "2027-07-01 11:00:00"),
    ("Europe/London", "2027-03-28 00:59:00", "2027-03-28 00:59:00"),
    ("Europe/London", "2027-03-28 01:30:00", None),  # 01:00 -> 02:00
    ("Europe/London", "2027-03-28 02:00:00", "2027-03-28 01:00:00"),
    ("Europe/London", "2027-10-31 01:30:00", "2027-10-31 00:30:00"),  # twice: BST's
    ("Europe/London", "2027-10-31 02:00:00", "2027-10-31 02:00:00"),
    # America/New_York: EDT from 2027-03-14 to 2027-11-07
    ("America/New_York", "2027-01-15 12:00:00", "2027-01-15 17:00:00"),
    ("America/New_York", "2027-07-01 12:00:00", "2027-07-01 16:00:00"),
    ("America/New_York", "2027-03-14 02:30:00", None),  # 02:00 -> 03:00
    ("America/New_York", "2027-03-14 03:00:00", "2027-03-14 07:00:00"),
    ("America/New_York", "2027-11-07 01:30:00", "2027-11-07 05:30:00"),  # twice: EDT's
    # Asia/Kolkata: +05:30 all year, whatever London or New York do
    ("Asia/Kolkata", "2027-03-28 01:30:00", "2027-03-27 20:00:00"),
    ("Asia/Kolkata", "2027-10-31 01:30:00", "2027-10-30 20:00:00"),
    ("Asia/Kolkata", "2027-03-14 02:30:00", "2027-03-13 21:00:00"),
    # Australia/Lord_Howe: +10:30, and +11 in summer: a 30-minute shift
    ("Australia/Lord_Howe", "2027-07-01 12:00:00", "2027-07-01 01:30:00"),
    ("Australia/Lord_Howe", "2027-01-15 12:00:00", "2027-01-15 01:00:00"),
    ("Australia/Lord_Howe", "2027-10-03 02:15:00", None),  # 02:00 -> 02:30
    ("Australia/Lord_Howe", "2027-10-03 02:30:00", "2027-10-02 15:30:00"),
    ("Australia/Lord_Howe", "2027-04-04 01:45:00", "2027-04-03 14:45:00"),  # twice: +11's
    ("Australia/Lord_Howe", "2027-04-04 02:00:00", "2027-04-03 15:30:00"),
]
GAPS = {  # zone -> what the refusal names
    "Europe/London": "from 01:00 to 02:00 on 2027-03-28",
    "America/New_York": "from 02:00 to 03:00 on 2027-03-14",
    "Australia/Lord_Howe": "from 02:00 to 02:30 on 2027-10-03",
}


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    return make_world(make_reseller, make_company, make_host, token_for)


def schedule(api, world, **fields):
    token, host_name = world["tokens"]["HOST"]
    body = {"host_id": world["host"]["id"], "subject": "Across DST", "duration": 60, **fields}
    return api("conference/create", host_name, token, **body)


def stored(app, conference_id):
    with app.app_context():
        row = db.session.execute(
            sa.select(Conference.start_at, Conference.end_at)
            .where(Conference.id == conference_id)).one()
        return row.start_at, row.end_at


@pytest.mark.parametrize(("zone", "wall", "utc"), CASES, ids=[f"{z}-{w}" for z, w, _ in CASES])
def test_a_start_is_stored_in_utc_and_answered_on_its_zones_clocks(
        app, api, world, snapshot, zone, wall, utc):
    before = snapshot()
    response = schedule(api, world, start=wall, time_zone=zone)
    if utc is None:
        assert response.status_code == 422, response.json
        message = response.json["message"]
        assert zone in message and GAPS[zone] in message and "daylight saving" in message
        assert "start" in response.json["errors"]
        assert snapshot() == before
        return
    assert response.status_code == 200, response.json
    doc = response.json
    assert (doc["start"], doc["time_zone"]) == (wall, zone)
    start_at, end_at = stored(app, doc["conference_id"])
    expected = datetime.strptime(utc, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert start_at == expected and start_at.utcoffset().total_seconds() == 0
    assert (end_at - start_at).total_seconds() == 3600
    token, host_name = world["tokens"]["HOST"]
    again = api("conference/get", host_name, token, conference_id=doc["conference_id"]).json
    assert (again["start"], again["end_time"]) == (doc["start"], doc["end_time"])


def test_an_hour_across_the_fall_back_ends_on_the_repeated_hour(api, world):
    """01:30 BST + 60 minutes is 01:30 GMT: the end is said on the clocks too."""
    doc = schedule(api, world, start="2027-10-31 01:30:00", time_zone="Europe/London").json
    assert doc["end_time"] == "2027-10-31 01:30:00"


@pytest.mark.parametrize(("fields", "field"), [
    ({"time_zone": "Europe/Londres"}, "time_zone"),
    ({"time_zone": "GMT+5"}, "time_zone"),
    ({"time_zone": ""}, "time_zone"),
    ({"start": "2027-07-01 12:00"}, "start"),
    ({"start": "01/07/2027 12:00:00"}, "start"),
    ({"start": "2027-13-01 12:00:00"}, "start"),
    ({"start": "2027-07-01 24:00:00"}, "start"),
    ({"duration": -60}, "duration"),
    ({"start": "2025-07-01 12:00:00"}, "start"),
], ids=["zone-unknown", "zone-posix", "zone-empty", "no-seconds", "day-first", "month-13",
        "hour-24", "negative-duration", "past"])
def test_bad_times_are_422_and_store_nothing(api, world, snapshot, fields, field):
    token, host_name = world["tokens"]["HOST"]
    assert api("conference/list", host_name, token).status_code == 200  # token's first use
    before = snapshot()
    body = {"start": "2027-07-01 12:00:00", "time_zone": "Europe/London", **fields}
    response = schedule(api, world, **body)
    assert response.status_code == 422, response.json
    assert response.json["message"] and field in response.json["errors"]
    assert snapshot() == before
