"""enterprise_api recording/list, get and delete: who may call what, tenancy,
the expiring download link, and every bad input (422, nothing changed)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from app.extensions import db
from app.modules.conferences.models import Conference
from app.modules.recordings.models import RecordingState
from tests.conferences import make_world, wall_in
from tests.recordings import MEDIA, add_recording, stored_keys


@pytest.fixture
def world(app, make_reseller, make_company, make_host, token_for):
    world = make_world(make_reseller, make_company, make_host, token_for)
    world["recordings"] = {
        "host": add_recording(app, world["host"]),
        "colleague": add_recording(app, world["colleague"]),
        "other": add_recording(app, world["other_host"]),
    }
    return world


def call(api, world, role, path, **body):
    token, host_name = world["tokens"][role]
    return api(path, host_name, token, **body)


def warm(api, world, *roles):
    """A token's first use records last_used_at: use it before a snapshot."""
    for role in roles:
        assert call(api, world, role, "recording/list").status_code in (200, 403)


@pytest.mark.parametrize(("role", "whose", "status"), [
    ("HOST", "host", 200),
    ("HOST", "colleague", 403),
    ("HOST", "other", 404),
    ("COMPANY_ADMIN", "host", 200),
    ("COMPANY_ADMIN", "colleague", 200),
    ("COMPANY_ADMIN", "other", 404),
    ("RESELLER_ADMIN", "host", 200),
    ("RESELLER_ADMIN", "other", 404),
    ("OTHER", "host", 404),
])
def test_get_by_role_and_tenant(api, world, role, whose, status):
    response = call(api, world, role, "recording/get",
                    recording_id=world["recordings"][whose])
    assert response.status_code == status, response.json
    if status == 404:
        assert response.json == {"message": "Recording not found"}


def test_get_answers_the_recording_with_an_expiring_link_that_downloads_it(api, world, client):
    response = call(api, world, "HOST", "recording/get",
                    recording_id=world["recordings"]["host"])
    doc = response.json
    assert doc["recording_id"] == world["recordings"]["host"]
    assert doc["host_id"] == world["host"]["id"]
    assert (doc["state"], doc["partial"], doc["audio_only"]) == ("published", False, False)
    assert (doc["size_bytes"], doc["duration_seconds"]) == (len(MEDIA), 12.5)
    assert doc["expires_at"] > doc["started_at"]
    link = urlsplit(doc["download_url"])
    assert link.hostname == world["company"]["host_name"]  # the company's own name
    media = client.get(link.path, headers={"Host": link.hostname})
    assert media.status_code == 200 and media.data == MEDIA
    # The reseller admin, calling on its own host name, gets the company's link too.
    doc = call(api, world, "RESELLER_ADMIN", "recording/get",
               recording_id=world["recordings"]["host"]).json
    assert urlsplit(doc["download_url"]).hostname == world["company"]["host_name"]


def test_a_recording_not_ready_has_no_link(app, api, world):
    processing = add_recording(app, world["host"], state=RecordingState.PROCESSING)
    doc = call(api, world, "HOST", "recording/get", recording_id=processing).json
    assert doc["state"] == "processing"
    assert doc["download_url"] is None and doc["expires_at"] is None


def _ids(response):
    assert response.status_code == 200, response.json
    return [r["recording_id"] for r in response.json["recordings"]]


def test_list_by_role_and_filter(app, api, world):
    rec = world["recordings"]
    assert _ids(call(api, world, "HOST", "recording/list")) == [rec["host"]]
    assert sorted(_ids(call(api, world, "COMPANY_ADMIN", "recording/list"))) == \
        sorted([rec["host"], rec["colleague"]])
    assert _ids(call(api, world, "COMPANY_ADMIN", "recording/list",
                     host_id=world["colleague"]["id"])) == [rec["colleague"]]
    assert sorted(_ids(call(api, world, "RESELLER_ADMIN", "recording/list",
                            company_id=world["company"]["id"]))) == \
        sorted([rec["host"], rec["colleague"]])
    assert _ids(call(api, world, "RESELLER_ADMIN", "recording/list")) == []  # its own company
    assert _ids(call(api, world, "HOST", "recording/list",
                     host_id=world["host"]["id"])) == [rec["host"]]
    assert _ids(call(api, world, "OTHER", "recording/list")) == [rec["other"]]


@pytest.mark.parametrize(("role", "body", "status"), [
    ("HOST", {"host_id": "colleague"}, 403),
    ("HOST", {"company_id": "company"}, 403),
    ("OTHER", {"host_id": "host"}, 404),
    ("OTHER", {"company_id": "company"}, 404),
    ("COMPANY_ADMIN", {"company_id": "other_company"}, 404),
    ("COMPANY_ADMIN", {"host_id": "other_host"}, 404),
])
def test_list_outside_the_callers_scope_is_refused(api, world, role, body, status):
    body = {name: world[value]["id"] for name, value in body.items()}
    assert call(api, world, role, "recording/list", **body).status_code == status


def test_list_pages_newest_first_and_leaves_out_deleted_ones(app, api, world):
    second = add_recording(app, world["host"])
    first = world["recordings"]["host"]
    page = call(api, world, "HOST", "recording/list", per_page=1, page=2).json
    assert [r["recording_id"] for r in page["recordings"]] == [first]
    assert (page["page"], page["per_page"], page["total"]) == (2, 1, 2)
    assert call(api, world, "HOST", "recording/delete", recording_id=second).status_code == 200
    assert _ids(call(api, world, "HOST", "recording/list")) == [first]


def test_list_by_conference_shows_its_rooms_recordings(app, api, world):
    made = call(api, world, "COMPANY_ADMIN", "conference/create", host_id=world["host"]["id"],
                subject="Board", start=wall_in(days=1), time_zone="UTC", duration=30)
    assert made.status_code == 200, made.json
    conference_id = made.json["conference_id"]
    with app.app_context():
        room_id = db.session.get_one(Conference, conference_id).room_id
    in_room = add_recording(app, world["host"], room_id=room_id)
    for role in ("HOST", "COMPANY_ADMIN"):
        assert _ids(call(api, world, role, "recording/list",
                         conference_id=conference_id)) == [in_room]
    assert call(api, world, "COLLEAGUE", "recording/list",
                conference_id=conference_id).status_code == 403
    assert call(api, world, "OTHER", "recording/list",
                conference_id=conference_id).status_code == 404


def test_delete_removes_the_files_and_answers_404_after(app, api, world, client):
    recording_id = world["recordings"]["host"]
    link = urlsplit(call(api, world, "HOST", "recording/get",
                         recording_id=recording_id).json["download_url"])
    assert stored_keys(app, recording_id)
    response = call(api, world, "HOST", "recording/delete", recording_id=recording_id)
    assert response.status_code == 200 and response.json == {"ok": True}
    assert stored_keys(app, recording_id) == []
    assert client.get(link.path, headers={"Host": link.hostname}).status_code == 404
    for path in ("recording/get", "recording/delete"):
        assert call(api, world, "HOST", path, recording_id=recording_id).status_code == 404


@pytest.mark.parametrize("state", [RecordingState.RECORDING, RecordingState.PROCESSING])
def test_a_recording_still_being_written_cannot_be_deleted(app, api, world, snapshot, state):
    busy = add_recording(app, world["host"], state=state)
    warm(api, world, "HOST")
    before = snapshot()
    response = call(api, world, "HOST", "recording/delete", recording_id=busy)
    assert response.status_code == 409 and state.value in response.json["message"]
    assert snapshot() == before


@pytest.mark.parametrize(("role", "whose", "status"), [
    ("HOST", "colleague", 403),
    ("OTHER", "host", 404),
    ("COMPANY_ADMIN", "other", 404),
])
def test_delete_of_what_the_caller_may_not_touch_changes_nothing(
        app, api, world, snapshot, role, whose, status):
    warm(api, world, role)
    before, keys = snapshot(), stored_keys(app, world["recordings"][whose])
    response = call(api, world, role, "recording/delete",
                    recording_id=world["recordings"][whose])
    assert response.status_code == status
    assert snapshot() == before and stored_keys(app, world["recordings"][whose]) == keys


@pytest.mark.parametrize(("path", "body"), [
    ("recording/get", {}),
    ("recording/get", {"recording_id": 5}),
    ("recording/get", {"recording_id": ""}),
    ("recording/get", {"recording_id": "x" * 33}),
    ("recording/get", {"recording_id": "../x"}),
    ("recording/get", {"recording_id": None}),
    ("recording/delete", {"recording_id": ["a"]}),
    ("recording/delete", {"recording_id": "abc", "force": True}),
    ("recording/list", {"page": 0}),
    ("recording/list", {"per_page": 201}),
    ("recording/list", {"host_id": "1"}),
    ("recording/list", {"company_id": -1}),
    ("recording/list", {"conference_id": 1.5}),
    ("recording/list", {"unknown": 1}),
    ("recording/list", {"host_id": 1, "company_id": 1}),
])
def test_bad_inputs_answer_422_and_change_nothing(api, world, snapshot, path, body):
    warm(api, world, "COMPANY_ADMIN")
    before = snapshot()
    response = call(api, world, "COMPANY_ADMIN", path, **body)
    assert response.status_code == 422, response.json
    assert response.json["message"]
    assert snapshot() == before


def test_without_a_token_nothing_is_answered(api, world):
    host_name = world["company"]["host_name"]
    for path in ("recording/list", "recording/get", "recording/delete"):
        body = {} if path == "recording/list" else {"recording_id": world["recordings"]["host"]}
        assert api(path, host_name, **body).status_code == 401
