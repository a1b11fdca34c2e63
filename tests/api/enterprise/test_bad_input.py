"""Every bad input gets the dialect's error and changes nothing."""

from __future__ import annotations

import json

import pytest

from app.modules.access import HostRole
from tests.conferences import wall_in

GOOD = {  # a valid body for each endpoint, given a tenant `t`
    "company/create": lambda t: {"subdomain": "fresh", "name": "Fresh", "openid_provider": False},
    "company/get": lambda t: {"company_id": t["company"]["id"]},
    "company/list": lambda t: {"page": 1, "per_page": 10},
    "company/update": lambda t: {"company_id": t["company"]["id"], "name": "Renamed"},
    "company/delete": lambda t: {"company_id": t["company"]["id"]},
    "host/create": lambda t: {"company_id": t["company"]["id"], "name": "N",
                              "email": "n@example.test"},
    "host/get": lambda t: {"host_id": t["host"]["id"]},
    "host/list": lambda t: {"company_id": t["company"]["id"]},
    "host/update": lambda t: {"host_id": t["host"]["id"], "name": "Renamed"},
    "host/delete": lambda t: {"host_id": t["host"]["id"]},
    "host/rotate_login_token": lambda t: {"host_id": t["host"]["id"]},
    "livestream/get": lambda t: {"host_id": t["host"]["id"]},
    "conference/create": lambda t: {"host_id": t["host"]["id"], "subject": "S",
                                    "start": wall_in("UTC", days=1), "time_zone": "UTC",
                                    "duration": 30},
    "conference/list": lambda t: {"host_id": t["host"]["id"], "from": "2030-01-01 00:00:00"},
    "reseller/get": lambda t: {},
    "reseller/update": lambda t: {"mail_sender_name": "Acme Meetings",
                                  "meeting_defaults": {"language": "de",
                                                       "reminder_minutes": [30]}},
}

# (endpoint, change to the good body, expected status, field named in `errors` or None)
BAD = [
    ("company/create", {"subdomain": None}, 422, "subdomain"),
    ("company/create", {"subdomain": "UPPER_and space"}, 422, "subdomain"),
    ("company/create", {"subdomain": "-dash"}, 422, "subdomain"),
    ("company/create", {"subdomain": "a" * 64}, 422, "subdomain"),
    ("company/create", {"name": ""}, 422, "name"),
    ("company/create", {"name": 5}, 422, "name"),
    ("company/create", {"openid_provider": "maybe"}, 422, "openid_provider"),
    ("company/create", {"openid_provider": ...}, 422, "openid_provider"),
    # Strict booleans: JSON true/false only.
    ("company/create", {"openid_provider": "yes"}, 422, "openid_provider"),
    ("company/create", {"openid_provider": "false"}, 422, "openid_provider"),
    ("company/create", {"openid_provider": 1}, 422, "openid_provider"),
    ("company/create", {"branding": {"white_label": "true"}}, 422, "branding"),
    ("host/create", {"no_welcome_email": "yes"}, 422, "no_welcome_email"),
    ("company/create", {"custom_domain": "not a domain"}, 422, "custom_domain"),
    ("company/create", {"embed_origins": ["https://ok.example/path"]}, 422, "embed_origins"),
    ("company/create", {"embed_origins": ["javascript:alert(1)"]}, 422, "embed_origins"),
    ("company/create", {"embed_origins": "https://ok.example"}, 422, "embed_origins"),
    ("company/create", {"branding": {"primary_color": "red"}}, 422, "branding"),
    ("company/create", {"branding": {"unknown": 1}}, 422, "branding"),
    ("company/create", {"surprise": True}, 422, "surprise"),
    ("company/get", {"company_id": "1"}, 422, "company_id"),
    ("company/get", {"company_id": 1.5}, 422, "company_id"),
    ("company/get", {"company_id": ...}, 422, "company_id"),
    ("company/get", {"company_id": 999999}, 404, None),
    ("company/list", {"page": 0}, 422, "page"),
    ("company/list", {"per_page": 1000}, 422, "per_page"),
    ("company/update", {"name": None}, 422, "name"),
    ("company/update", {"subdomain": "admin"}, 409, "subdomain"),
    ("company/update", {"extra": 1}, 422, "extra"),
    ("company/delete", {"company_id": True}, 422, "company_id"),
    ("host/create", {"email": "not-an-email"}, 422, "email"),
    ("host/create", {"email": ...}, 422, "email"),
    ("host/create", {"name": ...}, 422, "name"),
    ("host/create", {"company_id": ...}, 422, "company_id"),
    ("host/create", {"password": "short"}, 422, "password"),
    ("host/create", {"role": "OWNER"}, 422, "role"),
    ("host/create", {"access_code": "12ab"}, 422, "access_code"),
    ("host/create", {"access_code": 12}, 422, "access_code"),
    ("host/create", {"access_code": True}, 422, "access_code"),
    ("host/create", {"moderator_pin": [1, 2]}, 422, "moderator_pin"),
    ("host/create", {"subscription_ids": ["a"]}, 422, "subscription_ids"),
    ("host/create", {"subscription_ids": 5}, 422, "subscription_ids"),
    ("host/create", {"no_welcome_email": "sometimes"}, 422, "no_welcome_email"),
    ("host/create", {"company_id": 999999}, 404, None),
    ("host/create", {"extra": 1}, 422, "extra"),
    ("host/get", {"host_id": "abc"}, 422, "host_id"),
    ("host/get", {"host_id": 999999}, 404, None),
    ("host/list", {"company_id": "x"}, 422, "company_id"),
    ("host/update", {"email": 7}, 422, "email"),
    ("host/update", {"host_id": ...}, 422, "host_id"),
    ("host/delete", {"host_id": None}, 422, "host_id"),
    ("host/rotate_login_token", {"host_id": -1}, 422, "host_id"),  # ids start at 1
    # The settings cascade (more in test_resellers.py).
    ("reseller/update", {"name": "Renamed"}, 422, "name"),
    ("reseller/update", {"meeting_defaults": {"early_join_minutes": "5"}}, 422,
     "meeting_defaults"),
    ("company/update", {"inherit_reseller_defaults": "yes"}, 422, "inherit_reseller_defaults"),
    ("host/update", {"meeting_defaults": {"reminder_minutes": [5]}}, 422, "meeting_defaults"),
]


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    return {"reseller": reseller, "company": company, "host": make_host(company),
            "token": token_for(reseller["admin"]),
            "host_name": reseller["admin_company"]["host_name"]}


def _body(endpoint, change, tenant):
    body = GOOD[endpoint](tenant)
    for key, value in change.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize(("endpoint", "change", "status", "field"), BAD,
                         ids=[f"{e}-{'-'.join(c)}-{s}" for e, c, s, _ in BAD])
def test_bad_input_gets_its_error_and_changes_nothing(api, tenant, snapshot, endpoint, change,
                                                       status, field):
    before = snapshot()
    response = api(endpoint, tenant["host_name"], tenant["token"],
                   **_body(endpoint, change, tenant))
    assert response.status_code == status, response.json
    assert response.is_json and isinstance(response.json["message"], str)
    if field is not None:
        assert field in response.json["errors"], response.json
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", sorted(GOOD))
def test_the_good_bodies_really_are_good(api, tenant, endpoint):
    """Guards the table above: each bad case differs from a body that works."""
    response = api(endpoint, tenant["host_name"], tenant["token"], **GOOD[endpoint](tenant))
    assert response.status_code == 200, response.json


@pytest.mark.parametrize(("raw", "content_type"), [
    (b"not json", "application/json"),
    (b"{\"company_id\": ", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b"\"a string\"", "application/json"),
    (b"", "application/json"),
    (b"\xff\xfe\x00", "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_400(client, tenant, snapshot, raw, content_type):
    before = snapshot()
    response = client.post("/enterprise_api/company/get", data=raw,
                           headers={"Host": tenant["host_name"], "Content-Type": content_type})
    assert response.status_code == 400
    assert response.is_json and response.json["message"]
    assert snapshot() == before


def test_auth_token_of_the_wrong_type_is_400(api, tenant):
    response = api("company/list", tenant["host_name"], None, auth_token=["x"])
    assert response.status_code == 400


def test_an_oversized_body_is_413(client, tenant, snapshot, settings):
    before = snapshot()
    body = {"auth_token": tenant["token"], "subdomain": "big", "openid_provider": False,
            "name": "x" * (settings.api_max_body_bytes + 1)}
    response = client.post("/enterprise_api/company/create", data=json.dumps(body),
                           headers={"Host": tenant["host_name"],
                                    "Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.is_json and response.json["message"]
    assert snapshot() == before


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_other_methods_are_405_json(client, tenant, method):
    response = client.open("/enterprise_api/host/get", method=method,
                           headers={"Host": tenant["host_name"]})
    assert response.status_code == 405
    assert response.is_json


def test_unknown_endpoint_is_404_json(api, tenant):
    response = api("host/explode", tenant["host_name"], tenant["token"])
    assert response.status_code == 404
    assert response.is_json


def test_a_duplicate_email_is_409_and_changes_nothing(api, tenant, snapshot):
    body = GOOD["host/create"](tenant)
    assert api("host/create", tenant["host_name"], tenant["token"], **body).status_code == 200
    before = snapshot()
    again = api("host/create", tenant["host_name"], tenant["token"],
                **{**body, "email": body["email"].upper()})
    assert again.status_code == 409 and "email" in again.json["errors"]
    assert snapshot() == before


def test_a_company_admin_token_cannot_escalate_by_naming_a_role(api, tenant, make_host,
                                                                token_for):
    admin = make_host(tenant["company"], HostRole.COMPANY_ADMIN)
    response = api("host/update", tenant["company"]["host_name"], token_for(admin),
                   host_id=admin["id"], role="RESELLER_ADMIN")
    assert response.status_code == 403
