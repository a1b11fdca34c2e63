"""Hostile input at every JSON endpoint and every path that names an object:
400, 404 or 422, never a 500, nothing changed and nothing logged as an error.

Each input is one that gave 500 before (issue S, item 3): deep nesting (a
RecursionError), integers beyond the columns (PostgreSQL's integer, or 64
bits), NUL bytes (PostgreSQL text refuses them) and lone surrogates (UTF-8
refuses them)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.api.enterprise.test_bad_input import GOOD
from tests.helpers import DEFAULT_PASSWORD

DEEP = "[" * 5000 + "]" * 5000
# Raw JSON text put in place of one value of a good body: a hostile JSON value.
VALUES = {
    "nested 5000 deep": DEEP,
    "10^30": "1" + "0" * 30,
    "2^31": str(2**31),
    "NUL": json.dumps("a\x00b"),
    "lone surrogate": '"\\ud83d"',
}
# Every JSON endpoint, a good body (given the world `w`), and the values to spoil.
ENDPOINTS: dict[str, Any] = {
    **{f"/enterprise_api/{path}": body for path, body in GOOD.items()},
    "/enterprise_api/authenticate": lambda w: {"email": w["admin_email"],
                                               "password": DEFAULT_PASSWORD},
    "/enterprise_api/room/update": lambda w: {"host_id": w["host"]["id"],
                                              "mute_mode": "qa"},
    "/api/v1/rooms/{code}/join": lambda w: {"display_name": "Eve"},
    "/api/v1/sessions/{session}/mute_mode": lambda w: {"mode": "qa"},
    "/api/v1/sessions/{session}/kick": lambda w: {"participant_id": "p"},
}
CASES = [(path, name) for path in ENDPOINTS for name in VALUES]
PATHS = [  # objects named in the URL path
    ("GET", "/conf/call/%00"), ("GET", "/conf/call/12%2034"), ("GET", "/conf/call/%ED%A0%BD"),
    ("POST", "/api/v1/rooms/%00/join"), ("POST", "/api/v1/rooms/1" + "0" * 40 + "/join"),
    ("POST", "/api/v1/sessions/%00/lock"), ("POST", "/api/v1/sessions/%F0%9F%98%80/end"),
]


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    return {"company": company, "host": make_host(company),
            "token": token_for(reseller["admin"]), "admin_email": reseller["admin"]["email"],
            "host_name": reseller["admin_company"]["host_name"],
            "room_host": company["host_name"]}


def _spoiled(body: dict[str, Any], value: str) -> list[bytes]:
    """The body with each of its values, in turn, replaced by ``value``; and
    once with ``value`` under a new key of its own."""
    bodies = []
    for key in [*body, "extra"]:
        parts = [f"{json.dumps(k)}: {value if k == key else json.dumps(v)}"
                 for k, v in body.items()]
        if key == "extra":
            parts.append(f'"extra": {value}')
        bodies.append(("{" + ", ".join(parts) + "}").encode())
    return bodies


@pytest.mark.parametrize(("path", "value"), CASES, ids=[f"{p}-{v}" for p, v in CASES])
def test_a_hostile_json_value_is_refused_and_changes_nothing(
        client, world, snapshot, caplog, path, value):
    host_name = world["room_host"] if path.startswith("/api/v1/") else world["host_name"]
    url = path.format(code=world["host"]["access_code"], session="nosuchsession")
    body = ENDPOINTS[path](world)
    if path.startswith("/enterprise_api/") and not path.endswith("authenticate"):
        body["auth_token"] = world["token"]
    before = snapshot()
    with caplog.at_level(logging.ERROR):
        for raw in _spoiled(body, VALUES[value]):
            response = client.post(url, data=raw, content_type="application/json",
                                   headers={"Host": host_name})
            assert response.status_code in (400, 401, 404, 422), (raw[:80], response.json)
            assert response.is_json and response.json["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), PATHS)
def test_a_hostile_object_in_the_path_is_not_found(client, world, caplog, method, path):
    host_name = world["room_host"]
    with caplog.at_level(logging.ERROR):
        response = client.open(path, method=method, headers={"Host": host_name},
                               json={"display_name": "Eve"} if method == "POST" else None)
    assert response.status_code == 404, response.data[:200]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("page", [10**17, 2**31, 0, -1])
def test_a_page_beyond_any_list_is_refused(api, world, page):
    response = api("company/list", world["host_name"], world["token"], page=page)
    assert response.status_code == 422, response.json
    assert "page" in response.json["errors"]


def test_a_host_header_with_a_nul_finds_no_company(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.post("/enterprise_api/authenticate", json={},
                               headers={"Host": "a\x00b.example"})
    assert response.status_code in (400, 404)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
