"""Tenant isolation: another tenant's objects do not exist (404), and a token
only works on the host names of the companies it may act for (else 401)."""

from __future__ import annotations

import pytest

from app.modules.access import HostRole

# Every endpoint that takes an object id, with the body that names it.
BY_ID = [
    ("company/get", lambda t: {"company_id": t["company"]["id"]}),
    ("company/update", lambda t: {"company_id": t["company"]["id"], "name": "Stolen"}),
    ("company/delete", lambda t: {"company_id": t["company"]["id"]}),
    ("host/get", lambda t: {"host_id": t["host"]["id"]}),
    ("host/update", lambda t: {"host_id": t["host"]["id"], "name": "Stolen"}),
    ("host/delete", lambda t: {"host_id": t["host"]["id"]}),
    ("host/rotate_login_token", lambda t: {"host_id": t["host"]["id"]}),
    ("host/list", lambda t: {"company_id": t["company"]["id"]}),
    ("host/create", lambda t: {"company_id": t["company"]["id"], "name": "X",
                               "email": "x@stolen.tld"}),
    ("room/get", lambda t: {"host_id": t["host"]["id"]}),
    ("room/update", lambda t: {"host_id": t["host"]["id"], "mute_mode": "qa"}),
]
MISSING_ID = 2_000_000_000  # no such row (and within PostgreSQL's integer)
COMPANY_ADMIN_BY_ID = [e for e in BY_ID if e[0] not in ("company/delete",)]


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    """Two resellers; reseller A has two customer companies (one on a custom domain)."""

    def tenant(reseller, **company_kwargs):
        company = make_company(reseller, **company_kwargs)
        admin = make_host(company, HostRole.COMPANY_ADMIN)
        return {"company": company, "admin": admin, "host": make_host(company),
                "token": token_for(admin)}

    a, b = make_reseller(), make_reseller()
    return {
        "a": a, "b": b, "a_token": token_for(a["admin"]), "b_token": token_for(b["admin"]),
        "a1": tenant(a), "a2": tenant(a, custom_domain="meet.a2-customer.example"),
        "b1": tenant(b),
    }


@pytest.mark.parametrize(("path", "body"), BY_ID, ids=[e[0] for e in BY_ID])
def test_reseller_admin_cannot_see_another_resellers_objects(api, world, snapshot, path, body):
    before = snapshot()
    response = api(path, world["a"]["admin_company"]["host_name"], world["a_token"],
                   **body(world["b1"]))
    assert response.status_code == 404, response.json
    assert snapshot() == before


@pytest.mark.parametrize(("path", "body"), COMPANY_ADMIN_BY_ID,
                         ids=[e[0] for e in COMPANY_ADMIN_BY_ID])
def test_company_admin_cannot_see_a_sibling_companys_objects(api, world, snapshot, path, body):
    before = snapshot()
    a1 = world["a1"]
    response = api(path, a1["company"]["host_name"], a1["token"], **body(world["a2"]))
    assert response.status_code == 404, response.json
    assert snapshot() == before


@pytest.mark.parametrize("where", ["other reseller", "sibling company", "custom domain"])
def test_token_used_on_a_host_name_it_does_not_belong_to_is_401(api, world, where):
    a1 = world["a1"]
    host_name = {
        "other reseller": world["b1"]["company"]["host_name"],
        "sibling company": world["a2"]["company"]["host_name"],
        "custom domain": "meet.a2-customer.example",
    }[where]
    response = api("host/get", host_name, a1["token"], host_id=a1["host"]["id"])
    assert response.status_code == 401


def test_reseller_token_is_refused_on_another_resellers_host_names(api, world):
    response = api("company/list", world["b"]["admin_company"]["host_name"], world["a_token"])
    assert response.status_code == 401


def test_reseller_admin_may_call_on_its_customers_host_names(api, world):
    a2 = world["a2"]
    for host_name in (a2["company"]["host_name"], "meet.a2-customer.example"):
        response = api("host/get", host_name, world["a_token"], host_id=a2["host"]["id"])
        assert response.status_code == 200


def test_custom_domain_and_subdomain_reach_the_same_company(api, world):
    a2 = world["a2"]
    for host_name in (f"{a2['company']['subdomain']}.{world['a']['domain']}",
                      "MEET.a2-customer.example:443"):
        response = api("host/get", host_name, a2["token"], host_id=a2["host"]["id"])
        assert response.status_code == 200


@pytest.mark.parametrize("host_name", [
    "nobody.localhost", "ghost.{a}", "{a}", "admin.{a}.evil.example", "[::1]:80", "bad host!",
])
def test_unknown_host_name_is_404_json(api, world, host_name):
    response = api("authenticate", host_name.format(a=world["a"]["domain"]),
                   email="x@y.z", password="whatever")
    assert response.status_code == 404
    assert response.is_json and response.json["message"]


def test_deactivated_company_host_name_is_404(api, world, make_company):
    inactive = make_company(world["a"], active=False)
    response = api("authenticate", inactive["host_name"], email="x@y.z", password="whatever")
    assert response.status_code == 404


def _missing(body: dict) -> dict:
    return {key: MISSING_ID if key.endswith("_id") else value for key, value in body.items()}


@pytest.mark.parametrize(("path", "body"), BY_ID, ids=[e[0] for e in BY_ID])
def test_a_foreign_object_answers_exactly_like_a_missing_one(api, world, path, body):
    """No existence oracle: status and message are the same for another
    reseller's object, a sibling company's object, and no object at all."""
    a1 = world["a1"]
    reseller_host = world["a"]["admin_company"]["host_name"]
    foreign = api(path, reseller_host, world["a_token"], **body(world["b1"]))
    missing = api(path, reseller_host, world["a_token"], **_missing(body(world["b1"])))
    assert (foreign.status_code, foreign.json) == (missing.status_code, missing.json)
    assert foreign.status_code == 404
    if (path, body) in COMPANY_ADMIN_BY_ID:
        sibling = api(path, a1["company"]["host_name"], a1["token"], **body(world["a2"]))
        assert (sibling.status_code, sibling.json) == (missing.status_code, missing.json)
