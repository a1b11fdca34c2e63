"""Headers every answer carries (issue S, item 8): no MIME sniffing, no
Referer to other sites, HSTS when the platform is served over https; pages
run only their own scripts; the password page is never framed nor cached;
a 405 says which methods are allowed, whatever the dialect."""

from __future__ import annotations

import re

import pytest

from app.core.security_headers import PAGE_POLICY
from tests.helpers import REPO_ROOT


@pytest.fixture
def room(make_reseller, make_company, make_host):
    reseller = make_reseller()
    company = make_company(reseller)
    return {"host_name": company["host_name"], "admin_name": reseller["admin_company"][
        "host_name"], "code": make_host(company)["access_code"]}


def _answers(client, room):
    """One answer of every kind: page, error page, JSON, JSON error, static file, docs."""
    page = {"Host": room["host_name"]}
    api = {"Host": room["admin_name"]}
    return {
        "meeting page": client.get(f"/conf/call/{room['code']}", headers=page),
        "unknown room page": client.get("/conf/call/999999999", headers=page),
        "unrouted page": client.get("/no/such/page", headers=page),
        "password page": client.get("/password/set", headers=page),
        "api answer": client.post("/enterprise_api/authenticate", headers=api,
                                  json={"email": "nobody@example.test", "password": "x"}),
        "api 404": client.post("/enterprise_api/no/such", headers=api, json={}),
        "meeting api": client.post(f"/api/v1/rooms/{room['code']}/join", headers=page,
                                   json={"display_name": "A"}),
        "openapi": client.get("/enterprise_api/openapi.json", headers=api),
        "static": client.get("/static/meeting/meeting.js", headers=page),
    }


def test_every_answer_forbids_sniffing_and_referrers_and_asks_for_https(client, room):
    for kind, answer in _answers(client, room).items():
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert answer.headers.get("Referrer-Policy") == "no-referrer", kind
        assert answer.headers.get("Strict-Transport-Security") == \
            "max-age=31536000", kind  # the test settings' PUBLIC_SCHEME is https


def test_no_hsts_when_the_platform_is_served_over_http(app_with, room):
    plain = app_with(public_scheme="http").test_client()
    for kind, answer in _answers(plain, room).items():
        assert "Strict-Transport-Security" not in answer.headers, kind
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", kind


def _policy(answer) -> dict[str, str]:
    header = answer.headers.get("Content-Security-Policy", "")
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in header.split(";")) if part}


def test_pages_run_only_their_own_scripts(client, room):
    answers = _answers(client, room)
    for kind in ("meeting page", "unknown room page", "unrouted page", "password page"):
        policy = _policy(answers[kind])
        assert policy["script-src"] == "'self'", kind
        assert policy["object-src"] == "'none'", kind
        assert policy["base-uri"] == "'none'", kind
        assert "frame-ancestors" in policy, kind
    assert _policy(answers["meeting page"])["frame-ancestors"] == "'self'"


def test_the_password_page_is_never_framed_nor_stored(client, room):
    answer = _answers(client, room)["password page"]
    assert _policy(answer)["frame-ancestors"] == "'none'"
    assert answer.headers["Cache-Control"] == "no-store"


def test_no_template_has_an_inline_script():
    """What the page policy relies on: every script is a file of our own
    (a JSON data block is not run)."""
    for template in (REPO_ROOT / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text()):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
            assert "src=\"http" not in tag and "src=\"//" not in tag, (template.name, tag)


def test_the_page_policy_is_what_the_issue_asks(client, room):
    assert PAGE_POLICY == "script-src 'self'; object-src 'none'; base-uri 'none'"


@pytest.mark.parametrize(("method", "path", "host", "allowed"), [
    ("GET", "/enterprise_api/authenticate", "admin_name", {"POST"}),
    ("PUT", "/api/v1/rooms/1234567/join", "host_name", {"POST"}),
    ("POST", "/conf/call/1234567", "host_name", {"GET", "HEAD"}),
    ("DELETE", "/enterprise_api/openapi.json", "admin_name", {"GET", "HEAD"}),
])
def test_a_405_says_what_is_allowed_in_every_dialect(client, room, method, path, host,
                                                     allowed):
    answer = client.open(path, method=method, headers={"Host": room[host]})
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) - {"OPTIONS"} == allowed
    if path.startswith(("/enterprise_api/", "/api/")):
        assert answer.is_json and answer.json["message"]
