"""POST /api/v1/sessions/<id>/<action>: refused unless a moderator of that
session asks, and nothing changes when refused. (What a node does with an
accepted command: tests/web/browser/test_host_controls.py.)"""

from __future__ import annotations

import pytest

PIN = "4321"


@pytest.fixture
def meeting(client, make_reseller, make_company, make_host, beat):
    company = make_company(make_reseller())
    host = make_host(company, moderator_pin=PIN)
    beat("node-a")
    headers = {"Host": company["host_name"]}

    def ticket(**body):
        answer = client.post(f"/api/v1/rooms/{host['access_code']}/join",
                             json={"display_name": "X", **body}, headers=headers)
        assert answer.status_code == 200
        return answer.json

    moderator, attendee = ticket(moderator_pin=PIN), ticket()
    other_company = make_company(make_reseller())
    other_host = make_host(other_company)
    other = client.post(f"/api/v1/rooms/{other_host['access_code']}/join",
                        json={"display_name": "Y"},
                        headers={"Host": other_company["host_name"]}).json
    return {"host_name": company["host_name"], "moderator": moderator, "attendee": attendee,
            "other": other}


@pytest.mark.parametrize(("case", "status"), [
    ("no token", 401),
    ("garbage token", 401),
    ("attendee's token", 403),
    ("another session's moderator", 404),
    ("unknown session", 404),
    ("unknown action", 404),
    ("unknown field", 422),
    ("missing participant", 422),
    ("kick yourself", 400),
])
def test_refused_moderation_changes_nothing(client, meeting, snapshot, case, status):
    session = meeting["moderator"]["session_id"]
    token = meeting["moderator"]["token"]
    action, body = "kick", {"participant_id": meeting["attendee"]["participant_id"]}
    if case == "no token":
        token = None
    elif case == "garbage token":
        token = "nope"
    elif case == "attendee's token":
        token = meeting["attendee"]["token"]
    elif case == "another session's moderator":
        session = meeting["other"]["session_id"]  # on this company's host name: not found
    elif case == "unknown session":
        session = "no-such-session"
    elif case == "unknown action":
        action = "explode"
    elif case == "unknown field":
        body["why"] = "because"
    elif case == "missing participant":
        body = {}
    elif case == "kick yourself":
        body = {"participant_id": meeting["moderator"]["participant_id"]}
    headers = {"Host": meeting["host_name"]}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    before = snapshot()
    answer = client.post(f"/api/v1/sessions/{session}/{action}", json=body, headers=headers)
    assert answer.status_code == status, answer.json
    assert answer.json["message"]
    assert snapshot() == before
