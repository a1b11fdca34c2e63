"""The host in their own room (issue D item 8): a join that carries a host's
web session cookie (from /auth or /login) and no auth_token joins as that
host: moderator in their own room (or as a company admin), with no PIN, and
the answer says so (``as_host``) with the session's after_call_url."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from app.modules.access import HostRole
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE
from tests.web.portal_helpers import csrf_of, login_key

PIN = "4321"
AFTER = "https://example.test/after-the-call"


@pytest.fixture
def room(app, make_reseller, make_company, make_host, beat, api, token_for) -> dict[str, Any]:
    reseller = make_reseller()
    company = make_company(reseller)
    host = make_host(company, moderator_pin=PIN)
    secured = api("room/update", company["host_name"], token_for(host), host_id=host["id"],
                  security_pin="909090")
    assert secured.status_code == 200, secured.json
    beat("node-a")
    return {"reseller": reseller, "company": company, "host": host,
            "host_name": company["host_name"]}


def _sign_in(app, client, room, host, after_call_url=None) -> None:
    params = {"host_id": host["id"], "login_token_public_key": login_key(app, host["id"])}
    if after_call_url:
        params["after_call_url"] = after_call_url
    answer = client.get(f"/auth?{urlencode(params)}", headers={"Host": host["host_name"]})
    assert answer.status_code == 303


def _join(client, room, token=None, **body):
    headers = {"Host": room["host_name"]}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"/api/v1/rooms/{room['host']['access_code']}/join",
                       json={"display_name": "X", **body}, headers=headers)


def test_the_host_signed_in_is_moderator_in_its_room_without_any_pin(app, client, room):
    _sign_in(app, client, room, room["host"], AFTER)
    answer = _join(client, room)
    assert answer.status_code == 200, answer.json
    assert answer.json["role"] == "moderator"
    assert answer.json["as_host"] is True
    assert answer.json["after_call_url"] == AFTER


@pytest.mark.parametrize(("who", "status", "role"), [
    ("company admin", 200, "moderator"),
    ("another host", 401, None),  # an attendee, asked for the room's security PIN
    ("nobody", 401, None),
])
def test_role_table_by_session(app, client, room, make_host, who, status, role):
    if who == "company admin":
        _sign_in(app, client, room, make_host(room["company"], HostRole.COMPANY_ADMIN))
    elif who == "another host":
        _sign_in(app, client, room, make_host(room["company"]))
    answer = _join(client, room)
    assert answer.status_code == status, answer.json
    if role:  # moderator by their session, but not the room's host
        assert answer.json["role"] == role and "as_host" not in answer.json


def test_another_host_signed_in_joins_as_attendee_with_the_pin(app, client, room, make_host):
    _sign_in(app, client, room, make_host(room["company"]))
    answer = _join(client, room, security_pin="909090")
    assert answer.status_code == 200, answer.json
    assert answer.json["role"] == "attendee" and "as_host" not in answer.json


def test_a_logged_out_session_is_nobody(app, client, room):
    _sign_in(app, client, room, room["host"])
    page = client.get("/portal/profile", headers={"Host": room["host_name"]})
    client.post("/logout", data={"csrf_token": csrf_of(page.get_data(as_text=True))},
                headers={"Host": room["host_name"]})
    assert _join(client, room).status_code == 401  # an attendee again: the PIN is asked


def test_a_session_of_another_company_counts_for_nothing(app, client, room, make_company,
                                                         make_host):
    other = make_company({"reseller_id": room["company"]["reseller_id"]})
    stranger = make_host(other)
    _sign_in(app, client, room, stranger)
    token = client.get_cookie(HOST_SESSION_COOKIE, domain=other["host_name"]).value
    client.set_cookie(HOST_SESSION_COOKIE, token, domain=room["host_name"])
    assert _join(client, room).status_code == 401


def test_an_auth_token_wins_over_the_cookie(app, client, room, make_host, token_for):
    _sign_in(app, client, room, room["host"])
    colleague = token_for(make_host(room["company"]))
    assert _join(client, room, token=colleague).status_code == 401  # the colleague: attendee
