"""OAuth clients of the enterprise_api (issue D, item 6): a company admin
makes a client; POST /oauth/token (client credentials) trades its
credentials for a bearer token that acts for the client's company only,
within its scopes, and stops at once when the client is deleted."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import Host
from app.modules.oauth.models import SCOPES, OAuthClient, OAuthToken

READ = ["host:read", "company:read"]


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    def tenant(reseller):
        company = make_company(reseller)
        admin = make_host(company, HostRole.COMPANY_ADMIN)
        host = make_host(company)
        return {"company": company, "admin": admin, "host": host, "token": token_for(admin),
                "host_token": token_for(host), "name": company["host_name"]}

    a, b = make_reseller(), make_reseller()
    return {"a": a, "a_token": token_for(a["admin"]), "b_token": token_for(b["admin"]),
            "b": b, "a1": tenant(a), "a2": tenant(a), "b1": tenant(b)}


@pytest.fixture
def new_client(api, world):
    """new_client(scopes) -> the created client of company a1 (its admin made it)."""

    def make(scopes: list[str] = READ, tenant: str = "a1") -> dict[str, Any]:
        t = world[tenant]
        response = api("oauth_client/create", t["name"], t["token"],
                       company_id=t["company"]["id"], name="Integration", scopes=scopes)
        assert response.status_code == 200, response.json
        return response.json

    return make


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def token_request(client, host_name: str, form: dict[str, str],
                  headers: dict[str, str] | None = None):
    return client.post("/oauth/token", data=form, headers={"Host": host_name, **(headers or {})})


@pytest.fixture
def access_token(client, world, new_client):
    """access_token(scopes) -> a bearer token of a new client of a1."""

    def issue(scopes: list[str] = READ) -> str:
        made = new_client(scopes)
        response = token_request(client, world["a1"]["name"],
                                 {"grant_type": "client_credentials"},
                                 basic(made["client_id"], made["client_secret"]))
        assert response.status_code == 200, response.json
        return str(response.json["access_token"])

    return issue


def bearer(client, path: str, host_name: str, token: str, **body: Any):
    return client.post(f"/enterprise_api/{path}", json=body,
                       headers={"Host": host_name, "Authorization": f"Bearer {token}"})


# -- managing clients -------------------------------------------------------------------


def test_create_shows_the_secret_once_and_stores_only_digests(app, api, world, client,
                                                               new_client):
    made = new_client(["host:read", "host:write"])
    assert set(made) == {"client_id", "client_secret", "name", "company_id", "scopes",
                         "created_by_id", "created_at"}
    assert made["scopes"] == ["host:read", "host:write"]
    assert made["company_id"] == world["a1"]["company"]["id"]
    assert made["created_by_id"] == world["a1"]["admin"]["id"]
    listed = api("oauth_client/list", world["a1"]["name"], world["a1"]["token"],
                 company_id=world["a1"]["company"]["id"]).json
    assert listed["total"] == 1 and "client_secret" not in listed["oauth_clients"][0]
    issued = token_request(client, world["a1"]["name"], {"grant_type": "client_credentials"},
                           basic(made["client_id"], made["client_secret"])).json
    with app.app_context():
        row = db.session.execute(sa.select(OAuthClient)).scalar_one()
        assert row.client_secret_hash == hashlib.sha256(
            made["client_secret"].encode()).hexdigest()
        token_row = db.session.execute(sa.select(OAuthToken)).scalar_one()
        assert token_row.token_hash == hashlib.sha256(
            issued["access_token"].encode()).hexdigest()
        # Neither secret appears anywhere in either table.
        for table in ("oauth_clients", "oauth_tokens"):
            dump = repr(db.session.execute(sa.text(f"SELECT * FROM {table}")).all())
            assert made["client_secret"] not in dump
            assert issued["access_token"] not in dump


def _as(world, who: str) -> tuple[str, str]:
    a1 = world["a1"]
    return {
        "reseller admin": (world["a_token"], world["a"]["admin_company"]["host_name"]),
        "company admin": (a1["token"], a1["name"]),
        "host": (a1["host_token"], a1["name"]),
        "sibling company admin": (world["a2"]["token"], world["a2"]["name"]),
        "other reseller admin": (world["b_token"], world["b"]["admin_company"]["host_name"]),
    }[who]


ROLES = [("reseller admin", 200), ("company admin", 200), ("host", 403),
         ("sibling company admin", 404), ("other reseller admin", 404)]


@pytest.mark.parametrize(("who", "status"), ROLES, ids=[r[0] for r in ROLES])
def test_who_may_create_and_list_a_companys_clients(api, world, snapshot, who, status):
    token, host_name = _as(world, who)
    company_id = world["a1"]["company"]["id"]
    before = snapshot()
    created = api("oauth_client/create", host_name, token, company_id=company_id, name="X",
                  scopes=["host:read"])
    assert created.status_code == status, created.json
    if status != 200:
        assert snapshot() == before
    listed = api("oauth_client/list", host_name, token, company_id=company_id)
    assert listed.status_code == status
    if status == 200:
        assert listed.json["oauth_clients"][0]["name"] == "X"


@pytest.mark.parametrize(("who", "status"), ROLES, ids=[r[0] for r in ROLES])
def test_who_may_delete_a_companys_client(api, world, new_client, snapshot, who, status):
    made = new_client()
    token, host_name = _as(world, who)
    before = snapshot()
    response = api("oauth_client/delete", host_name, token, client_id=made["client_id"])
    assert response.status_code == status, response.json
    if status != 200:
        assert snapshot() == before


BAD_CREATE = [
    ({"scopes": []}, "scopes"),
    ({"scopes": ["admin:all"]}, "scopes"),
    ({"scopes": "host:read"}, "scopes"),
    ({"scopes": [*SCOPES, "host:read"]}, "scopes"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"company_id": 0}, "company_id"),
    ({"client_secret": "mine"}, "client_secret"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CREATE, ids=[str(c) for c, _ in BAD_CREATE])
def test_bad_client_input_is_422_and_changes_nothing(api, world, snapshot, change, field):
    a1 = world["a1"]
    body = {"company_id": a1["company"]["id"], "name": "X", "scopes": ["host:read"], **change}
    before = snapshot()
    response = api("oauth_client/create", a1["name"], a1["token"], **body)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert snapshot() == before


def test_deleting_an_unknown_client_is_404(api, world):
    a1 = world["a1"]
    response = api("oauth_client/delete", a1["name"], a1["token"], client_id="nope")
    assert response.status_code == 404


# -- the token endpoint -------------------------------------------------------------------


def _grant_cases() -> list[tuple[str, Any, int, str | None]]:
    """(case, how to build (form, headers) from the client, status, RFC 6749 error)."""
    ok = {"grant_type": "client_credentials"}
    return [
        ("basic", lambda c: (ok, basic(c["client_id"], c["client_secret"])), 200, None),
        ("post", lambda c: ({**ok, "client_id": c["client_id"],
                             "client_secret": c["client_secret"]}, {}), 200, None),
        ("wrong secret, basic", lambda c: (ok, basic(c["client_id"], "wrong")), 401,
         "invalid_client"),
        ("wrong secret, post", lambda c: ({**ok, "client_id": c["client_id"],
                                           "client_secret": "wrong"}, {}), 401,
         "invalid_client"),
        ("unknown client, basic", lambda c: (ok, basic("nobody", c["client_secret"])), 401,
         "invalid_client"),
        ("unknown client, post", lambda c: ({**ok, "client_id": "nobody",
                                             "client_secret": c["client_secret"]}, {}), 401,
         "invalid_client"),
        ("hostile client id", lambda c: ({**ok, "client_id": "a\x00b",
                                          "client_secret": "x"}, {}), 401, "invalid_client"),
        ("no credentials", lambda c: (ok, {}), 401, "invalid_client"),
        ("grant type password", lambda c: ({"grant_type": "password", "username": "u",
                                            "password": "p"},
                                           basic(c["client_id"], c["client_secret"])), 400,
         "unsupported_grant_type"),
        ("no grant type", lambda c: ({}, basic(c["client_id"], c["client_secret"])), 400,
         "unsupported_grant_type"),
        ("scope the client lacks", lambda c: ({**ok, "scope": "host:write"},
                                              basic(c["client_id"], c["client_secret"])), 400,
         "invalid_scope"),
        ("scope nobody has", lambda c: ({**ok, "scope": "admin:all"},
                                        basic(c["client_id"], c["client_secret"])), 400,
         "invalid_scope"),
    ]


GRANTS = _grant_cases()


@pytest.mark.parametrize(("case", "build", "status", "error"), GRANTS,
                         ids=[g[0] for g in GRANTS])
def test_token_endpoint(client, world, new_client, snapshot, case, build, status, error):
    made = new_client()
    form, headers = build(made)
    before = snapshot()
    response = token_request(client, world["a1"]["name"], form, headers)
    assert response.status_code == status, response.json
    assert response.headers["Cache-Control"] == "no-store"
    if error is None:
        body = response.json
        assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
        assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
        assert body["scope"] == "host:read company:read"
    else:
        assert response.json["error"] == error
        assert snapshot() == before
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_a_narrower_scope_is_granted_as_asked(client, world, new_client):
    made = new_client(["host:read", "host:write", "company:read"])
    response = token_request(client, world["a1"]["name"],
                             {"grant_type": "client_credentials", "scope": "host:read"},
                             basic(made["client_id"], made["client_secret"]))
    assert response.json["scope"] == "host:read"


def test_a_revoked_client_gets_no_token(api, client, world, new_client):
    made = new_client()
    api("oauth_client/delete", world["a1"]["name"], world["a1"]["token"],
        client_id=made["client_id"])
    response = token_request(client, world["a1"]["name"], {"grant_type": "client_credentials"},
                             basic(made["client_id"], made["client_secret"]))
    assert response.status_code == 401 and response.json["error"] == "invalid_client"


def test_a_client_is_unknown_on_another_companys_host_name(client, world, new_client):
    made = new_client()
    response = token_request(client, world["a2"]["name"], {"grant_type": "client_credentials"},
                             basic(made["client_id"], made["client_secret"]))
    assert response.status_code == 401


def test_the_token_lifetime_is_a_setting(app_with, world, new_client):
    made = new_client()
    other = app_with(oauth_token_seconds=120).test_client()
    response = token_request(other, world["a1"]["name"], {"grant_type": "client_credentials"},
                             basic(made["client_id"], made["client_secret"]))
    assert response.json["expires_in"] == 120


def test_failed_client_authentications_are_throttled(client, world, new_client):
    made = new_client()
    wrong = basic(made["client_id"], "wrong")
    statuses = [token_request(client, world["a1"]["name"],
                              {"grant_type": "client_credentials"}, wrong).status_code
                for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    # Once spent, the right secret is refused as well: the limit is no oracle.
    right = token_request(client, world["a1"]["name"], {"grant_type": "client_credentials"},
                          basic(made["client_id"], made["client_secret"]))
    assert right.status_code == 429 and right.headers["Retry-After"]


def test_plain_http_is_refused_outside_local_names(app_with, make_reseller, make_company,
                                                   make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller, custom_domain="meet.customer.example")
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    web = app_with(public_scheme="http").test_client()
    made = web.post("/enterprise_api/oauth_client/create", headers={"Host": company["host_name"]},
                    json={"auth_token": token_for(admin), "company_id": company["id"],
                          "name": "X", "scopes": ["host:read"]}).json
    response = token_request(web, "meet.customer.example", {"grant_type": "client_credentials"},
                             basic(made["client_id"], made["client_secret"]))
    assert response.status_code == 400 and response.json["error"] == "invalid_request"


def test_token_endpoint_takes_only_post(client, world):
    response = client.get("/oauth/token", headers={"Host": world["a1"]["name"]})
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert response.json["error"] == "invalid_request"


# -- the bearer token on enterprise_api ------------------------------------------------------


def test_the_token_works_for_its_own_company_only(client, world, access_token):
    token = access_token(["host:read"])
    a1, a2 = world["a1"], world["a2"]
    listed = bearer(client, "host/list", a1["name"], token)
    assert listed.status_code == 200, listed.json
    assert {h["host_id"] for h in listed.json["hosts"]} == {a1["admin"]["id"], a1["host"]["id"]}
    got = bearer(client, "host/get", a1["name"], token, host_id=a1["host"]["id"])
    assert got.status_code == 200
    # Another company's objects do not exist for it, on its own host name ...
    assert bearer(client, "host/get", a1["name"], token,
                  host_id=a2["host"]["id"]).status_code == 404
    assert bearer(client, "host/list", a1["name"], token,
                  company_id=a2["company"]["id"]).status_code == 404
    assert bearer(client, "host/get", a1["name"], token,
                  host_id=world["b1"]["host"]["id"]).status_code == 404
    # ... and on another company's host name it is no credential (as an auth_token).
    assert bearer(client, "host/get", a2["name"], token,
                  host_id=a2["host"]["id"]).status_code == 401


def test_the_token_in_the_body_works_too(api, world, access_token):
    a1 = world["a1"]
    response = api("host/get", a1["name"], access_token(["host:read"]), host_id=a1["host"]["id"])
    assert response.status_code == 200


SCOPE_CASES = [
    ("host/update", ["host:read"], 403),
    ("host/update", ["host:write"], 200),
    ("host/get", ["host:write"], 403),
    ("company/get", ["company:read"], 200),
    ("company/update", ["company:read"], 403),
    ("room/get", ["room:read"], 200),
    ("room/get", ["host:read"], 403),
    ("recording/list", ["recording:read"], 200),
    ("recording/list", ["host:read"], 403),
    ("livestream/get", ["room:read"], 200),
    ("oauth_client/list", list(SCOPES), 403),
    ("oauth_client/create", list(SCOPES), 403),
    ("logout", list(SCOPES), 403),
]


@pytest.mark.parametrize(("path", "scopes", "status"), SCOPE_CASES,
                         ids=[f"{p} with {' '.join(s)}" for p, s, _ in SCOPE_CASES])
def test_an_endpoint_needs_its_scope(client, world, access_token, snapshot, path, scopes,
                                     status):
    a1 = world["a1"]
    body = {
        "host/update": {"host_id": a1["host"]["id"], "name": "Renamed"},
        "host/get": {"host_id": a1["host"]["id"]},
        "company/get": {"company_id": a1["company"]["id"]},
        "company/update": {"company_id": a1["company"]["id"], "name": "Renamed"},
        "room/get": {"host_id": a1["host"]["id"]},
        "recording/list": {"company_id": a1["company"]["id"]},
        "livestream/get": {"host_id": a1["host"]["id"]},
        "oauth_client/list": {"company_id": a1["company"]["id"]},
        "oauth_client/create": {"company_id": a1["company"]["id"], "name": "Y",
                                "scopes": ["host:read"]},
        "logout": {},
    }[path]
    token = access_token(scopes)
    before = snapshot()
    response = bearer(client, path, a1["name"], token, **body)
    assert response.status_code == status, response.json
    if status == 403:
        assert snapshot() == before


def test_the_token_acts_as_a_company_admin_at_most(client, world, api):
    """A reseller admin's client acts for one company, as its company admin."""
    a1 = world["a1"]
    made = api("oauth_client/create", world["a"]["admin_company"]["host_name"],
               world["a_token"], company_id=a1["company"]["id"], name="R",
               scopes=list(SCOPES)).json
    token = token_request(client, a1["name"], {"grant_type": "client_credentials"},
                          basic(made["client_id"], made["client_secret"])).json["access_token"]
    assert bearer(client, "company/get", a1["name"], token,
                  company_id=a1["company"]["id"]).status_code == 200
    assert bearer(client, "company/list", a1["name"], token).status_code == 403
    assert bearer(client, "company/update", a1["name"], token, company_id=a1["company"]["id"],
                  subdomain="taken").status_code == 403
    # Not on the reseller's own host name: the client belongs to a1.
    assert bearer(client, "company/list", world["a"]["admin_company"]["host_name"],
                  token).status_code == 401
    # A host it sees gets no secrets beyond what a company admin sees.
    got = bearer(client, "host/get", a1["name"], token, host_id=a1["host"]["id"]).json
    assert got["moderator_pin"] is not None


def test_a_deleted_client_token_is_refused_at_once(api, client, world, new_client):
    made = new_client()
    token = token_request(client, world["a1"]["name"], {"grant_type": "client_credentials"},
                          basic(made["client_id"], made["client_secret"])).json["access_token"]
    a1 = world["a1"]
    assert bearer(client, "host/list", a1["name"], token).status_code == 200
    assert api("oauth_client/delete", a1["name"], a1["token"],
               client_id=made["client_id"]).status_code == 200
    assert bearer(client, "host/list", a1["name"], token).status_code == 401


def test_an_expired_token_is_refused(app, client, world, access_token):
    token = access_token()
    with app.app_context():
        db.session.execute(sa.update(OAuthToken).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert bearer(client, "host/list", world["a1"]["name"], token).status_code == 401


def test_a_revoked_token_is_refused(app, client, world, access_token):
    token = access_token()
    with app.app_context():
        db.session.execute(sa.update(OAuthToken).values(revoked_at=utcnow()))
        db.session.commit()
    assert bearer(client, "host/list", world["a1"]["name"], token).status_code == 401


def test_tokens_stop_when_their_admin_is_deleted(app, client, world, access_token):
    token = access_token()
    with app.app_context():
        db.session.execute(sa.update(Host).where(Host.id == world["a1"]["admin"]["id"])
                           .values(deleted_at=utcnow()))
        db.session.commit()
    assert bearer(client, "host/list", world["a1"]["name"], token).status_code == 401


def test_an_unknown_bearer_token_is_401(client, world):
    assert bearer(client, "host/list", world["a1"]["name"],
                  "oauth.not-a-token").status_code == 401
