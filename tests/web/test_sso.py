"""One-click SSO, /auth: a form POST, a JSON POST and a GET (an iframe's
src) with host_id and login_token_public_key log the host in; everything
else is refused and creates nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import HostWebSession
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE
from tests.web.portal_helpers import login_key, session_rows


@pytest.fixture
def world(app, make_reseller, make_company, make_host) -> dict[str, Any]:
    reseller = make_reseller()
    company = make_company(reseller, custom_domain=f"video-{reseller['domain']}")
    other = make_company(reseller)
    host = make_host(company)
    return {"reseller": reseller, "company": company, "other": other, "host": host,
            "key": login_key(app, host["id"]), "admin": make_host(company, HostRole.COMPANY_ADMIN),
            "foreign": make_host(other)}


def _send(client, how: str, host_name: str, params: dict[str, Any]):
    headers = {"Host": host_name}
    if how == "form":
        return client.post("/auth", data=params, headers=headers)
    if how == "json":
        return client.post("/auth", json=params, headers=headers)
    return client.get(f"/auth?{urlencode(params)}", headers=headers)


HOW = ["form", "json", "get"]


@pytest.mark.parametrize("how", HOW)
def test_sso_logs_the_host_in_and_lands_on_upcoming(app, client, world, how):
    answer = _send(client, how, world["company"]["host_name"],
                   {"host_id": world["host"]["id"], "login_token_public_key": world["key"],
                    "after_call_url": "https://example.test/thanks"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/conf/calls/upcoming"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    cookie = answer.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/"):
        assert attribute in cookie
    rows = session_rows(app)
    assert [(r.host_id, r.via, r.after_call_url) for r in rows] == \
        [(world["host"]["id"], "sso", "https://example.test/thanks")]
    # The session opens the portal.
    page = client.get("/portal/room", headers={"Host": world["company"]["host_name"]})
    assert page.status_code == 200
    assert world["host"]["access_code"] in page.get_data(as_text=True)


def test_a_head_request_opens_no_session(app, client, world):
    """A link preview fetching the GET link must not log anyone in."""
    params = {"host_id": world["host"]["id"], "login_token_public_key": world["key"]}
    answer = client.head(f"/auth?{urlencode(params)}",
                         headers={"Host": world["company"]["host_name"]})
    assert answer.status_code == 204 and "Set-Cookie" not in answer.headers
    assert session_rows(app) == []


@pytest.mark.parametrize("target_of", [
    lambda w: "/portal/room",
    lambda w: "/conf/call/123?x=1",
    lambda w: f"https://{w['company']['host_name']}/portal/room",
    lambda w: f"http://{w['company']['host_name']}:5000/portal/profile",
    lambda w: f"https://video-{w['reseller']['domain']}/portal/room",
    lambda w: f"https://{w['company']['subdomain']}.{w['reseller']['domain']}/x",
], ids=["path", "path-query", "own-name", "own-name-port", "custom-domain", "subdomain-name"])
def test_sso_redirects_within_the_company(app, client, world, target_of):
    target = target_of(world)
    answer = _send(client, "form", world["company"]["host_name"],
                   {"host_id": world["host"]["id"], "login_token_public_key": world["key"],
                    "redirect_url": target})
    assert answer.status_code == 303
    assert answer.headers["Location"] == target


REFUSED_REDIRECTS = {
    "other-company": lambda w: f"https://{w['other']['host_name']}/portal/room",
    "evil": lambda w: "https://evil.example/",
    "protocol-relative": lambda w: "//evil.example/x",
    "backslash": lambda w: "/\\evil.example/x",
    "tab": lambda w: "/\t/evil.example",
    "javascript": lambda w: "javascript:alert(1)",
    "data": lambda w: "data:text/html,hi",
    "relative": lambda w: "portal/room",
    "userinfo": lambda w: f"https://{w['company']['host_name']}@evil.example/",
    "ftp": lambda w: f"ftp://{w['company']['host_name']}/",
    "bad-port": lambda w: f"https://{w['company']['host_name']}:x/",
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("name", sorted(REFUSED_REDIRECTS))
def test_a_foreign_redirect_is_refused_and_opens_no_session(app, client, world, snapshot,
                                                             how, name):
    before = snapshot()
    answer = _send(client, how, world["company"]["host_name"],
                   {"host_id": world["host"]["id"], "login_token_public_key": world["key"],
                    "redirect_url": REFUSED_REDIRECTS[name](world)})
    assert answer.status_code == 400
    assert "Set-Cookie" not in answer.headers
    assert snapshot() == before


@pytest.mark.parametrize("after", ["javascript:alert(1)", "/relative", "//evil.example",
                                   "ftp://example.test/", "https://exa mple.test/"])
def test_after_call_url_must_be_a_web_address(client, world, snapshot, after):
    before = snapshot()
    answer = _send(client, "form", world["company"]["host_name"],
                   {"host_id": world["host"]["id"], "login_token_public_key": world["key"],
                    "after_call_url": after})
    assert answer.status_code == 400
    assert snapshot() == before


REFUSED_LOGINS = {
    "wrong-key": lambda w: {"host_id": w["host"]["id"], "login_token_public_key": "0" * 64},
    "unknown-host": lambda w: {"host_id": 2**31 - 1, "login_token_public_key": w["key"]},
    "other-companys-host": lambda w: {"host_id": w["foreign"]["id"],
                                      "login_token_public_key": w["foreign_key"]},
    "key-of-another-host": lambda w: {"host_id": w["admin"]["id"],
                                      "login_token_public_key": w["key"]},
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("name", sorted(REFUSED_LOGINS))
def test_a_wrong_key_or_host_is_refused_alike(app, client, world, snapshot, how, name):
    world["foreign_key"] = login_key(app, world["foreign"]["id"])
    before = snapshot()
    answer = _send(client, how, world["company"]["host_name"], REFUSED_LOGINS[name](world))
    assert answer.status_code == 401
    assert "This login link is not valid" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers
    assert snapshot() == before


def test_an_old_rotated_key_fails_at_once(app, client, api, world, token_for):
    old = world["key"]
    rotated = api("host/rotate_login_token", world["company"]["host_name"],
                  token_for(world["admin"]), host_id=world["host"]["id"])
    assert rotated.status_code == 200, rotated.json
    params = {"host_id": world["host"]["id"], "login_token_public_key": old}
    assert _send(client, "get", world["company"]["host_name"], params).status_code == 401
    params["login_token_public_key"] = login_key(app, world["host"]["id"])
    assert params["login_token_public_key"] != old
    assert _send(client, "get", world["company"]["host_name"], params).status_code == 303


def test_a_deleted_host_is_refused(app, client, api, world, token_for, snapshot):
    deleted = api("host/delete", world["company"]["host_name"], token_for(world["admin"]),
                  host_id=world["host"]["id"])
    assert deleted.status_code == 200, deleted.json
    before = snapshot()
    answer = _send(client, "form", world["company"]["host_name"],
                   {"host_id": world["host"]["id"], "login_token_public_key": world["key"]})
    assert answer.status_code == 401
    assert snapshot() == before


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("params", [
    {},
    {"host_id": "1"},
    {"login_token_public_key": "abc"},
    {"host_id": "x", "login_token_public_key": "abc"},
    {"host_id": "0", "login_token_public_key": "abc"},
    {"host_id": str(2**31), "login_token_public_key": "abc"},
    {"host_id": "1", "login_token_public_key": "a" * 201},
    {"host_id": "1", "login_token_public_key": "a\x00b"},
], ids=["nothing", "no-key", "no-host", "host-not-a-number", "host-zero", "host-too-big",
        "key-too-long", "nul"])
def test_missing_or_malformed_parameters_are_400(client, world, snapshot, how, params):
    before = snapshot()
    answer = _send(client, how, world["company"]["host_name"], params)
    assert answer.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("body", ["[]", "not json", '{"host_id": 1'])
def test_a_json_body_that_is_no_object_is_400(client, world, body):
    answer = client.post("/auth", data=body, content_type="application/json",
                         headers={"Host": world["company"]["host_name"]})
    assert answer.status_code == 400


def test_a_host_name_of_no_company_is_404(client, world):
    answer = _send(client, "get", "nobody.example.test",
                   {"host_id": world["host"]["id"], "login_token_public_key": world["key"]})
    assert answer.status_code == 404


def test_refused_logins_are_limited_per_address(app_with, world):
    app = app_with(ratelimit_sso="2 per minute")
    client = app.test_client()
    params = {"host_id": world["host"]["id"], "login_token_public_key": "wrong"}
    statuses = [_send(client, "get", world["company"]["host_name"], params).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    params["login_token_public_key"] = world["key"]
    refused = _send(client, "get", world["company"]["host_name"], params)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(HostWebSession.id))).scalar() == 0


def test_a_new_login_ends_the_browsers_previous_session(app, client, world):
    params = {"host_id": world["host"]["id"], "login_token_public_key": world["key"]}
    _send(client, "form", world["company"]["host_name"], params)
    _send(client, "form", world["company"]["host_name"], params)
    rows = session_rows(app)  # the previous one was revoked, then purged by the new one
    assert len(rows) == 1 and rows[0].revoked_at is None
    assert client.get_cookie(HOST_SESSION_COOKIE, domain=world["company"]["host_name"])

