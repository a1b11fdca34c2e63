"""enterprise_api conference/*: the document's shape, who may call what,
tenancy, and every bad input (422 with a message, nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conferences import make_world, wall_in

DOC_KEYS = [  # the VivoMeetings document's conference/create answer, in its order
    "conference_id", "subject", "agenda", "start", "end_time", "active", "time_zone",
    "duration", "auto_record", "auto_transcribe", "one_time_access_code", "security_pin",
    "mute_mode", "participants",
]


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    return make_world(make_reseller, make_company, make_host, token_for)


def doc_request(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The document's example request, in the future and for the world's host."""
    body = {
        "host_id": world["host"]["id"], "subject": "Test Conference", "agenda": "An agenda",
        "start": wall_in("Europe/London", days=3), "time_zone": "Europe/London",
        "duration": 60, "auto_record": "none", "auto_transcribe": False,
        "one_time_access_code": True, "security_pin": "123456", "mute_mode": "conversation",
        "participants": [world["colleague"]["id"], world["admin"]["id"]],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def warm(api, world, role):
    """Use the role's token once: its first use records last_used_at, which a
    snapshot taken before it would count as a change."""
    token, host_name = world["tokens"][role]
    assert api("conference/list", host_name, token).status_code == 200


def create(api, world, role="COMPANY_ADMIN", **changes):
    token, host_name = world["tokens"][role]
    return api("conference/create", host_name, token, **doc_request(world, **changes))


def test_create_answers_exactly_as_the_document_shows(api, world):
    body = doc_request(world)
    response = create(api, world)
    assert response.status_code == 200, response.json
    doc = response.json
    assert list(doc) == [*DOC_KEYS, "participant_emails"]
    assert isinstance(doc["conference_id"], int)
    assert doc["start"] == body["start"]
    assert doc["end_time"][:10] >= doc["start"][:10]
    assert doc["active"] is False
    assert (doc["time_zone"], doc["duration"], doc["auto_record"]) == ("Europe/London", 60,
                                                                      "none")
    assert doc["auto_transcribe"] is False
    assert isinstance(doc["one_time_access_code"], int) and doc["one_time_access_code"] > 0
    assert (doc["security_pin"], doc["mute_mode"]) == ("123456", "conversation")
    # The host itself first, as the document shows it.
    assert doc["participants"] == [world["host"]["id"], world["colleague"]["id"],
                                   world["admin"]["id"]]
    assert doc["participant_emails"] == []


def test_without_a_one_time_code_it_answers_false(api, world):
    doc = create(api, world, one_time_access_code=False).json
    assert doc["one_time_access_code"] is False


def test_participant_emails_are_kept_and_answered(api, world):
    emails = [{"email": "bob@RoyalTeck.com", "moderator": True},
              {"email": "alice@RoyalTeck.com", "moderator": False, "phone": "+14165551234"}]
    doc = create(api, world, participant_emails=emails).json
    assert doc["participant_emails"] == [
        {"email": "bob@royalteck.com", "moderator": True, "phone": None},
        {"email": "alice@royalteck.com", "moderator": False, "phone": "+14165551234"}]


# role (of the caller) x host scheduled for -> status
ROLE_CASES = [
    ("HOST", "host", 200),
    ("HOST", "colleague", 403),
    ("COMPANY_ADMIN", "host", 200),
    ("COMPANY_ADMIN", "colleague", 200),
    ("RESELLER_ADMIN", "host", 200),
    ("OTHER", "host", 404),  # another reseller's admin: the host does not exist for it
]


@pytest.mark.parametrize(("role", "for_whom", "status"), ROLE_CASES)
def test_who_may_schedule_for_whom(api, world, snapshot, role, for_whom, status):
    warm(api, world, role)
    before = snapshot()
    response = create(api, world, role, host_id=world[for_whom]["id"])
    assert response.status_code == status, response.json
    if status != 200:
        assert response.json["message"]
        assert snapshot() == before


@pytest.mark.parametrize(("role", "status"), [
    ("HOST", 200), ("COLLEAGUE", 403), ("COMPANY_ADMIN", 200), ("RESELLER_ADMIN", 200),
    ("OTHER", 404),
])
@pytest.mark.parametrize("verb", ["get", "update", "cancel"])
def test_who_may_read_change_and_cancel_a_hosts_conference(api, world, snapshot, role, status,
                                                           verb):
    conference_id = create(api, world).json["conference_id"]
    token, host_name = world["tokens"][role]
    extra = {"subject": "Renamed"} if verb == "update" else {}
    warm(api, world, role)
    before = snapshot()
    response = api(f"conference/{verb}", host_name, token, conference_id=conference_id, **extra)
    assert response.status_code == status, response.json
    if status != 200 or verb == "get":
        assert snapshot() == before


def test_another_tenants_conference_is_404_like_a_missing_one(api, world, snapshot):
    conference_id = create(api, world).json["conference_id"]
    token, host_name = world["tokens"]["OTHER"]
    warm(api, world, "OTHER")
    before = snapshot()
    for verb in ("get", "update", "cancel"):
        foreign = api(f"conference/{verb}", host_name, token, conference_id=conference_id)
        missing = api(f"conference/{verb}", host_name, token, conference_id=conference_id + 99)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json == missing.json
    listed = api("conference/list", host_name, token)
    assert listed.status_code == 200 and listed.json["conferences"] == []
    assert api("conference/list", host_name, token,
               host_id=world["host"]["id"]).status_code == 404
    assert snapshot() == before


def test_get_and_list_answer_what_create_answered(api, world):
    created = create(api, world).json
    token, host_name = world["tokens"]["HOST"]
    got = api("conference/get", host_name, token, conference_id=created["conference_id"])
    assert got.json == created
    assert list(got.json) == list(created)
    listed = api("conference/list", host_name, token).json
    assert listed == {"conferences": [created], "page": 1, "per_page": 50, "total": 1}


def test_list_filters_by_host_and_time_range_and_pages(api, world):
    late = create(api, world, start=wall_in("UTC", days=10), time_zone="UTC").json
    early = create(api, world, start=wall_in("UTC", days=2), time_zone="UTC").json
    theirs = create(api, world, host_id=world["colleague"]["id"]).json
    token, host_name = world["tokens"]["COMPANY_ADMIN"]

    def ids(**query):
        response = api("conference/list", host_name, token, **query)
        assert response.status_code == 200, response.json
        return [c["conference_id"] for c in response.json["conferences"]]

    assert ids() == [early["conference_id"], theirs["conference_id"], late["conference_id"]]
    assert ids(host_id=world["host"]["id"]) == [early["conference_id"], late["conference_id"]]
    assert ids(host_id=world["host"]["id"], **{"from": wall_in("UTC", days=5)}) == [
        late["conference_id"]]
    assert ids(host_id=world["host"]["id"], to=wall_in("UTC", days=5)) == [
        early["conference_id"]]
    # from/to on the clocks of the zone given: Kolkata is 5:30 ahead of UTC.
    assert ids(host_id=world["host"]["id"], to=early["start"], time_zone="Asia/Kolkata") == []
    assert ids(per_page=1, page=2) == [theirs["conference_id"]]
    # A HOST lists its own.
    host_token, _ = world["tokens"]["HOST"]
    own = api("conference/list", host_name, host_token).json["conferences"]
    assert [c["conference_id"] for c in own] == [early["conference_id"], late["conference_id"]]
    assert api("conference/list", host_name, host_token,
               host_id=world["colleague"]["id"]).status_code == 403


def test_update_changes_only_the_fields_given(api, world):
    created = create(api, world, participant_emails=[{"email": "a@x.test"}]).json
    token, host_name = world["tokens"]["HOST"]
    start = wall_in("America/New_York", days=4)
    response = api("conference/update", host_name, token, conference_id=created["conference_id"],
                   start=start, time_zone="America/New_York", duration=30, security_pin=None)
    assert response.status_code == 200, response.json
    updated = response.json
    assert (updated["start"], updated["time_zone"], updated["duration"]) == (
        start, "America/New_York", 30)
    assert updated["security_pin"] is None
    for key in ("subject", "agenda", "mute_mode", "participants", "participant_emails",
                "one_time_access_code", "auto_record"):
        assert updated[key] == created[key], key


def test_a_new_zone_alone_keeps_the_instant(api, world):
    created = create(api, world, start="2030-07-01 12:00:00", time_zone="Europe/London").json
    token, host_name = world["tokens"]["HOST"]
    updated = api("conference/update", host_name, token, conference_id=created["conference_id"],
                  time_zone="Asia/Kolkata").json
    assert (updated["start"], updated["end_time"]) == ("2030-07-01 16:30:00",
                                                       "2030-07-01 17:30:00")


def test_a_cancelled_conference_is_gone(api, world, snapshot):
    created = create(api, world).json
    token, host_name = world["tokens"]["HOST"]
    cancelled = api("conference/cancel", host_name, token, conference_id=created["conference_id"])
    assert cancelled.status_code == 200 and cancelled.json == {"ok": True}
    before = snapshot()
    for verb in ("get", "update", "cancel"):
        assert api(f"conference/{verb}", host_name, token,
                   conference_id=created["conference_id"]).status_code == 404
    assert api("conference/list", host_name, token).json["conferences"] == []
    assert snapshot() == before


# (change to the document's request, field named in `errors`)
BAD_CREATE = [
    ({"start": "2030-01-01T10:00:00"}, "start"),
    ({"start": "tomorrow"}, "start"),
    ({"start": "2030-02-30 10:00:00"}, "start"),
    ({"start": 1893456000}, "start"),
    ({"start": "2020-09-19 13:00:00"}, "start"),  # the document's own date: in the past
    ({"start": "9999-12-31 23:00:00", "time_zone": "America/New_York"}, "start"),
    ({"start": ...}, "start"),
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"time_zone": "europe/london"}, "time_zone"),
    ({"time_zone": ...}, "time_zone"),
    ({"duration": -30}, "duration"),
    ({"duration": 0}, "duration"),
    ({"duration": 24 * 60 + 1}, "duration"),
    ({"duration": "60"}, "duration"),
    ({"duration": 1.5}, "duration"),
    ({"subject": ""}, "subject"),
    ({"subject": "x" * 201}, "subject"),
    ({"subject": "Hi\nBcc: eve@evil.test"}, "subject"),  # it becomes a mail header
    ({"auto_record": "sometimes"}, "auto_record"),
    ({"auto_transcribe": "no"}, "auto_transcribe"),
    ({"one_time_access_code": 1}, "one_time_access_code"),
    ({"security_pin": "12ab56"}, "security_pin"),
    ({"security_pin": "123"}, "security_pin"),
    ({"security_pin": "1" * 13}, "security_pin"),
    ({"mute_mode": "silent"}, "mute_mode"),
    ({"participants": "2,3"}, "participants"),
    ({"participants": [0]}, "participants"),
    ({"participants": [999999]}, "participants"),
    ({"participant_emails": [{"email": "not-an-email", "moderator": False}]},
     "participant_emails"),
    ({"participant_emails": [{"email": "a@x.test, eve@evil.test"}]}, "participant_emails"),
    ({"participant_emails": [{"email": "a@x.test"}, {"email": "A@x.test"}]},
     "participant_emails"),
    ({"participant_emails": [{"email": "host@joe.test"}]}, "participant_emails"),
    ({"participant_emails": [{"email": "a@x.test", "moderator": "yes"}]},
     "participant_emails"),
    ({"participant_emails": [{"email": "a@x.test", "phone": "555-1234"}]},
     "participant_emails"),
    ({"participant_emails": [{"email": "a@x.test", "role": "CHAIR"}]}, "participant_emails"),
    ({"participant_emails": {"email": "a@x.test"}}, "participant_emails"),
    ({"host_id": "1"}, "host_id"),
    ({"extra": 1}, "extra"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATE,
                         ids=[f"{'-'.join(c)}-{i}" for i, (c, _) in enumerate(BAD_CREATE)])
def test_bad_create_input_is_422_and_stores_nothing(api, world, snapshot, change, field):
    warm(api, world, "COMPANY_ADMIN")
    before = snapshot()
    response = create(api, world, **change)
    assert response.status_code == 422, response.json
    assert isinstance(response.json["message"], str) and response.json["message"]
    assert field in response.json["errors"], response.json
    assert snapshot() == before


def test_a_participant_of_another_company_is_refused_like_a_missing_one(api, world, snapshot):
    warm(api, world, "COMPANY_ADMIN")
    before = snapshot()
    foreign = create(api, world, participants=[world["other_host"]["id"]])
    missing = create(api, world, participants=[999999])
    assert foreign.status_code == missing.status_code == 422
    assert foreign.json["errors"] == missing.json["errors"]
    assert snapshot() == before


BAD_UPDATE = [
    ({"start": "2020-01-01 10:00:00"}, "start"),
    ({"start": "2030-03-31 01:30:00", "time_zone": "Europe/London"}, "start"),  # DST gap
    ({"time_zone": "Nowhere/City"}, "time_zone"),
    ({"duration": -1}, "duration"),
    ({"subject": None}, "subject"),
    ({"participants": [999999]}, "participants"),
    ({"host_id": 1}, "host_id"),  # the organizer stays
    ({"conference_id": "x"}, "conference_id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_UPDATE,
                         ids=[f"{'-'.join(c)}-{i}" for i, (c, _) in enumerate(BAD_UPDATE)])
def test_bad_update_input_is_422_and_changes_nothing(api, world, snapshot, change, field):
    created = create(api, world).json
    token, host_name = world["tokens"]["HOST"]
    warm(api, world, "HOST")
    before = snapshot()
    response = api("conference/update", host_name, token,
                   **{"conference_id": created["conference_id"], **change})
    assert response.status_code == 422, response.json
    assert response.json["message"] and field in response.json["errors"], response.json
    assert snapshot() == before


@pytest.mark.parametrize("query", [
    {"from": "yesterday"}, {"to": "2030-01-01"}, {"time_zone": "Atlantis/Capital"},
    {"host_id": 0}, {"page": 0}, {"per_page": 1000},
    {"from": "2030-03-31 01:30:00", "time_zone": "Europe/London"},
])
def test_bad_list_queries_are_422(api, world, query):
    token, host_name = world["tokens"]["COMPANY_ADMIN"]
    response = api("conference/list", host_name, token, **query)
    assert response.status_code == 422, response.json
    assert response.json["message"]


@pytest.mark.parametrize(("level", "setting", "field", "value"), [
    ("company", "recording_allowed", "auto_record", "video"),
    ("host", "recording_allowed", "auto_record", "audio"),
    ("company", "transcription_allowed", "auto_transcribe", True),
    ("host", "transcription_allowed", "auto_transcribe", True),
])
def test_recording_and_transcription_only_where_the_cascade_allows_them(
        app, api, world, snapshot, level, setting, field, value):
    from app.extensions import db
    from app.modules.hosts.models import Host
    from app.modules.tenants.models import Company

    with app.app_context():
        row = db.session.get(Company, world["company"]["id"]) if level == "company" else \
            db.session.get(Host, world["host"]["id"])
        row.meeting_defaults = {setting: False}
        db.session.commit()
    warm(api, world, "COMPANY_ADMIN")
    before = snapshot()
    refused = create(api, world, **{field: value})
    assert refused.status_code == 422 and field in refused.json["errors"], refused.json
    assert snapshot() == before
    assert create(api, world).status_code == 200  # without it, the same conference is fine


def test_a_moderator_made_attendee_or_uninvited_loses_the_links_powers(app, api, world):
    from app.extensions import db
    from app.modules.conferences.models import Conference
    from app.modules.meetings.scheduling import invited_moderator, moderator_url
    from app.modules.tenants.models import Tenant

    emails = [{"email": "bob@x.test", "moderator": True},
              {"email": "eve@x.test", "moderator": True}]
    made = create(api, world, participant_emails=emails).json

    def admits(email: str, link: str) -> bool:
        with app.app_context():
            room = db.session.get(Conference, made["conference_id"]).room
            return invited_moderator(room, link.split("invite=")[1]) == email

    with app.app_context():
        conference = db.session.get(Conference, made["conference_id"])
        company = Tenant.of(conference.company)
        links = {e["email"]: moderator_url(company, conference.room, e["email"])
                 for e in emails}
    assert admits("bob@x.test", links["bob@x.test"]) and admits("eve@x.test", links["eve@x.test"])
    token, host_name = world["tokens"]["COMPANY_ADMIN"]
    changed = api("conference/update", host_name, token, conference_id=made["conference_id"],
                  participant_emails=[{"email": "bob@x.test", "moderator": False}])
    assert changed.status_code == 200, changed.json
    assert not admits("bob@x.test", links["bob@x.test"])  # an attendee now
    assert not admits("eve@x.test", links["eve@x.test"])  # no longer invited
