"""JSON only as JSON (issue S, item 10): every endpoint that reads a JSON
body answers 415 to any other content type, before it reads anything, so a
page on another site cannot send a "simple" cross-origin POST (text/plain,
a form) to ``authenticate``, ``join`` or a moderator command: a browser asks
the server first (CORS preflight) before it sends ``application/json``, and
Confera never says yes."""

from __future__ import annotations

import json

import pytest

from tests.api.test_hostile_input import ENDPOINTS, world  # noqa: F401  (fixture)

# What a cross-origin page can send without a preflight, and a few others.
CONTENT_TYPES = [
    "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/xml", "application/jsonx", None,
]
CASES = [(path, kind) for path in ENDPOINTS for kind in CONTENT_TYPES]


def _request(world, path):  # noqa: F811
    host_name = world["room_host"] if path.startswith("/api/v1/") else world["host_name"]
    url = path.format(code=world["host"]["access_code"], session="nosuchsession")
    body = ENDPOINTS[path](world)
    if path.startswith("/enterprise_api/") and not path.endswith("authenticate"):
        body["auth_token"] = world["token"]
    return url, host_name, json.dumps(body).encode()


@pytest.mark.parametrize(("path", "content_type"), CASES, ids=[f"{p}-{c}" for p, c in CASES])
def test_a_body_that_is_not_declared_json_is_415_and_changes_nothing(
        client, world, snapshot, path, content_type):  # noqa: F811
    url, host_name, raw = _request(world, path)
    headers = {"Host": host_name}
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = snapshot()
    response = client.post(url, data=raw, headers=headers)
    assert response.status_code == 415, response.json
    assert response.is_json and "application/json" in response.json["message"]
    assert snapshot() == before


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
])
def test_json_with_any_charset_parameter_is_read(client, world, content_type):  # noqa: F811
    url, host_name, raw = _request(world, "/enterprise_api/authenticate")
    response = client.post(url, data=raw, headers={"Host": host_name,
                                                   "Content-Type": content_type})
    assert response.status_code == 200, response.json
    url, host_name, raw = _request(world, "/api/v1/rooms/{code}/join")
    response = client.post(url, data=raw, headers={"Host": host_name,
                                                   "Content-Type": content_type})
    assert response.status_code != 415, response.json


def test_logout_with_an_empty_body_and_no_content_type_is_415(client, world):  # noqa: F811
    response = client.post("/enterprise_api/logout",
                           headers={"Host": world["host_name"],
                                    "Authorization": f"Bearer {world['token']}"})
    assert response.status_code == 415
