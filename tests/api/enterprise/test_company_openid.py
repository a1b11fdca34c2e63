"""A company's OpenID Connect provider on company/create, update and get
(issue D item 5): the issuer, client id and provisioning flag are shown,
the client secret is write-only and encrypted at rest; who may set what;
every malformed value is 422 and changes nothing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.access import HostRole

ISSUER = "https://login.example.com/tenant-1"
SECRET = "the-client-secret-0123456789"


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    return {"company": company, "reseller_admin": (token_for(reseller["admin"]),
                                                   reseller["admin_company"]["host_name"]),
            "company_admin": (token_for(admin), company["host_name"])}


def _update(api, world, who="reseller_admin", **changes):
    token, host_name = world[who]
    return api("company/update", host_name, token, company_id=world["company"]["id"], **changes)


def test_create_stores_the_provider_and_get_never_shows_the_secret(app, api, world):
    token, host_name = world["reseller_admin"]
    created = api("company/create", host_name, token, subdomain="sso", name="SSO Inc",
                  openid_provider=True, openid_issuer=ISSUER, openid_client_id="client-1",
                  openid_client_secret=SECRET, openid_provision_hosts=True)
    assert created.status_code == 200, created.json
    got = api("company/get", host_name, token, company_id=created.json["id"])
    assert got.status_code == 200
    body = got.json
    assert (body["openid_provider"], body["openid_issuer"], body["openid_client_id"],
            body["openid_provision_hosts"]) == (True, ISSUER, "client-1", True)
    assert "openid_client_secret" not in body and SECRET not in got.get_data(as_text=True)
    listed = api("company/list", host_name, token)
    assert SECRET not in json.dumps(listed.json)
    with app.app_context():
        stored = db.session.execute(sa.text(
            "SELECT openid_client_secret FROM companies WHERE id = :id"),
            {"id": created.json["id"]}).scalar()
    assert stored and SECRET not in stored  # encrypted at rest (Fernet)


def test_a_company_without_a_provider_reads_nulls(api, world):
    token, host_name = world["reseller_admin"]
    body = api("company/get", host_name, token, company_id=world["company"]["id"]).json
    assert (body["openid_issuer"], body["openid_client_id"], body["openid_provision_hosts"]) \
        == (None, None, False)


def test_the_company_admin_configures_its_provider_but_not_the_offer(api, world, snapshot):
    answer = _update(api, world, "company_admin", openid_issuer=ISSUER,
                     openid_client_id="client-1", openid_client_secret=SECRET,
                     openid_provision_hosts=True)
    assert answer.status_code == 200, answer.json
    assert answer.json["openid_issuer"] == ISSUER
    assert "openid_client_secret" not in answer.json
    before = snapshot()
    assert _update(api, world, "company_admin", openid_provider=True).status_code == 403
    assert snapshot() == before


def test_null_clears_a_value(api, world):
    _update(api, world, openid_issuer=ISSUER, openid_client_id="c")
    answer = _update(api, world, openid_issuer=None, openid_client_id=None,
                     openid_client_secret=None)
    assert (answer.json["openid_issuer"], answer.json["openid_client_id"]) == (None, None)


BAD = [
    ("openid_issuer", "login.example.com"),
    ("openid_issuer", "ftp://login.example.com"),
    ("openid_issuer", "http://login.example.com"),  # plain http off local names
    ("openid_issuer", "https://login.example.com?tenant=1"),
    ("openid_issuer", "https://login.example.com/#x"),
    ("openid_issuer", "https://user@login.example.com"),
    ("openid_issuer", "https://login.example.com/a b"),
    ("openid_issuer", "https://login.example.com/\"><script>"),
    ("openid_issuer", "https://*.example.com"),
    ("openid_issuer", "https://" + "a" * 250 + ".com"),
    ("openid_issuer", 42),
    ("openid_client_id", ""),
    ("openid_client_id", "has space"),
    ("openid_client_id", "x" * 256),
    ("openid_client_secret", ""),
    ("openid_client_secret", "x" * 513),
    ("openid_provision_hosts", "yes"),
]


@pytest.mark.parametrize(("field", "value"), BAD, ids=[f"{f}={v!r}"[:60] for f, v in BAD])
def test_a_malformed_value_is_422_and_changes_nothing(api, world, snapshot, field, value):
    before = snapshot()
    answer = _update(api, world, **{field: value})
    assert answer.status_code == 422, answer.json
    assert field in answer.json["errors"]
    assert snapshot() == before


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:8080", "http://idp.localhost:4000/x",
                                    "http://login.test", "https://127.0.0.1"])
def test_local_issuers_are_allowed_outside_production(api, world, issuer):
    assert _update(api, world, openid_issuer=issuer).status_code == 200


@pytest.mark.parametrize(("issuer", "status"), [
    ("https://login.example.com", 200),
    ("http://127.0.0.1:8080", 422),
    ("https://127.0.0.1", 422),
    ("https://10.1.2.3", 422),
    ("https://[::1]", 422),
    ("https://idp.localhost", 422),
    ("https://login.test", 422),
])
def test_in_production_the_issuer_is_a_public_https_address(app_with, world, issuer, status):
    web = app_with(env="production").test_client()
    token, host_name = world["reseller_admin"]
    answer = web.post("/enterprise_api/company/update", headers={"Host": host_name},
                      json={"auth_token": token, "company_id": world["company"]["id"],
                            "openid_issuer": issuer})
    assert answer.status_code == status, answer.json
