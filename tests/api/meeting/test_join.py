"""POST /api/v1/rooms/<access_code>/join: who joins as what, on which node."""

from __future__ import annotations

import threading
import time

import jwt
import pytest

from app.core.security import join_token_keys
from app.modules.access import HostRole
from app.protocol.join_token import Role, verify

PIN = "4321"


@pytest.fixture
def room(make_reseller, make_company, make_host, beat):
    reseller = make_reseller()
    company = make_company(reseller)
    host = make_host(company, moderator_pin=PIN)
    beat("node-a")
    return {"reseller": reseller, "company": company, "host": host,
            "host_name": company["host_name"]}


def test_the_ticket_names_session_participant_node_and_role(room, join, settings):
    """The token verifies with the public key the nodes get from heartbeats."""
    answer = join(room, display_name="Ann")
    assert answer.status_code == 200, answer.json
    ticket = answer.json
    grant = verify(ticket["token"], join_token_keys(settings.secret_key)[1])
    assert (grant.session_id, grant.participant_id, grant.display_name, grant.role) == \
        (ticket["session_id"], ticket["participant_id"], "Ann", Role.ATTENDEE)
    assert grant.node_id == "node-a"
    assert ticket["node_url"] == f"ws://node-a.test:7880/sessions/{grant.session_id}/ws"
    assert ticket["expires_at"] - time.time() == pytest.approx(
        settings.join_token_ttl_seconds, abs=5)
    assert ticket["ice_servers"] == []


def test_everyone_who_joins_a_room_meets_in_one_session(room, join):
    sessions = {join(room, display_name=f"P{n}").json["session_id"] for n in range(3)}
    assert len(sessions) == 1


@pytest.mark.parametrize(("who", "expected"), [
    ("nobody", "attendee"),
    ("the host", "moderator"),
    ("company admin", "moderator"),
    ("reseller admin", "moderator"),
    ("another host", "attendee"),
    ("right pin", "moderator"),
])
def test_role_table(room, join, make_host, token_for, who, expected):
    body = {"display_name": "X"}
    token = None
    if who == "the host":
        token = token_for(room["host"])
    elif who == "company admin":
        token = token_for(make_host(room["company"], HostRole.COMPANY_ADMIN))
    elif who == "reseller admin":
        token = token_for(room["reseller"]["admin"])
    elif who == "another host":
        token = token_for(make_host(room["company"]))
    elif who == "right pin":
        body["moderator_pin"] = PIN
    answer = join(room, token=token, **body)  # a reseller admin's token fits every company
    assert answer.status_code == 200, answer.json
    assert answer.json["role"] == expected


@pytest.mark.parametrize(("case", "status"), [
    ("wrong pin", 403),
    ("bad token", 401),
    ("unknown room", 404),
    ("other company's host name", 404),
    ("unknown host name", 404),
    ("not json", 400),
    ("missing display_name", 422),
    ("empty display_name", 422),
    ("unknown field", 422),
    ("display_name not a string", 422),
])
def test_bad_joins_are_refused_and_change_nothing(room, join, client, make_company,
                                                  snapshot, case, status):
    other = make_company(room["reseller"])
    before = snapshot()
    if case == "wrong pin":
        answer = join(room, display_name="X", moderator_pin="0000")
    elif case == "bad token":
        answer = join(room, display_name="X", token="nope")
    elif case == "unknown room":
        answer = join(room, code="999999999", display_name="X")
    elif case == "other company's host name":
        answer = join(room, host_name=other["host_name"], display_name="X")
    elif case == "unknown host name":
        answer = join(room, host_name="nowhere.localhost", display_name="X")
    elif case == "not json":
        answer = client.post(f"/api/v1/rooms/{room['host']['access_code']}/join",
                             data="{", headers={"Host": room["host_name"]},
                             content_type="application/json")
    else:
        body = {"missing display_name": {}, "empty display_name": {"display_name": ""},
                "unknown field": {"display_name": "X", "admin": True},
                "display_name not a string": {"display_name": 5}}[case]
        answer = join(room, **body)
    assert answer.status_code == status, answer.json
    assert answer.json["message"]
    assert snapshot() == before


def test_no_live_node_is_503_and_changes_nothing(make_reseller, make_company, make_host,
                                                 join, snapshot):
    company = make_company(make_reseller())
    room = {"host": make_host(company), "host_name": company["host_name"]}
    before = snapshot()
    answer = join(room, display_name="X")
    assert answer.status_code == 503
    assert snapshot() == before


def test_sessions_go_to_the_least_loaded_live_node(make_reseller, make_company, make_host,
                                                   beat, join, settings):
    company = make_company(make_reseller())
    beat("busy", participants=40)
    beat("idle", participants=2)
    beat("draining", draining=True)
    beat("full", participants=10, max_participants=10)
    rooms = [{"host": make_host(company), "host_name": company["host_name"]}
             for _ in range(2)]
    for room in rooms:
        token = join(room, display_name="X").json["token"]
        assert jwt.decode(token, options={"verify_signature": False})["node"] == "idle"


def test_a_session_on_a_dead_node_is_placed_again(app_with, make_reseller, make_company,
                                                  make_host, beat):
    fast = app_with(media_node_heartbeat_seconds=0.2, media_node_dead_after_seconds=0.5)
    web = fast.test_client()
    company = make_company(make_reseller())
    host = make_host(company)
    url = f"/api/v1/rooms/{host['access_code']}/join"
    headers = {"Host": company["host_name"]}

    beat("first", on=web)
    first = web.post(url, json={"display_name": "A"}, headers=headers).json
    beat("second", participants=5, on=web)
    time.sleep(0.6)  # "first" stops beating; "second" keeps going
    beat("second", participants=5, on=web)
    again = web.post(url, json={"display_name": "B"}, headers=headers).json
    assert again["session_id"] == first["session_id"]
    assert first["node_url"].startswith("ws://first.test")
    assert again["node_url"].startswith("ws://second.test")


@pytest.mark.postgres_only
def test_concurrent_first_joins_place_the_session_once(app, room, make_host, beat):
    beat("node-b")
    results: list[dict] = []
    barrier = threading.Barrier(6)

    def first_join() -> None:
        client = app.test_client()
        barrier.wait()
        answer = client.post(f"/api/v1/rooms/{room['host']['access_code']}/join",
                             json={"display_name": "X"}, headers={"Host": room["host_name"]})
        results.append(answer.json | {"status": answer.status_code})

    threads = [threading.Thread(target=first_join) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r["status"] for r in results} == {200}
    assert len({r["session_id"] for r in results}) == 1
    assert len({r["node_url"] for r in results}) == 1
