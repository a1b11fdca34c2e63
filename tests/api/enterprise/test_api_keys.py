"""enterprise_api apikey/*: who may, the key only at creation (stored as its
SHA-256), revoking, another tenant's keys and companies (404), bad input
(422, nothing made); company/get names the rooms API's base URL."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.access import HostRole
from app.modules.api_keys.models import ApiKey


@pytest.fixture
def world(client, make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    hosts = {role: make_host(company, role) for role in (HostRole.HOST, HostRole.COMPANY_ADMIN)}
    tokens = {role: token_for(host) for role, host in hosts.items()}
    tokens[HostRole.RESELLER_ADMIN] = token_for(reseller["admin"])
    world = {"reseller": reseller, "company": company, "tokens": tokens}
    world["key"] = call(client, world, "create", HostRole.COMPANY_ADMIN,
                        company_id=company["id"], name="first").json
    return world


def call(client, world, path, role, **body):
    return client.post(f"/enterprise_api/apikey/{path}",
                       headers={"Host": world["company"]["host_name"]},
                       json={"auth_token": world["tokens"][role], **body})


def rooms_call(client, world, key):
    return client.get("/api/rooms/v1/rooms", headers={
        "Host": world["company"]["host_name"], "Authorization": key})


def digests(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(sa.select(ApiKey.digest)).scalars())


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.HOST, 403), (HostRole.COMPANY_ADMIN, 200), (HostRole.RESELLER_ADMIN, 200)])
@pytest.mark.parametrize("path", ["create", "list", "revoke"])
def test_roles(client, world, role, status, path):
    body = {"create": {"company_id": world["company"]["id"], "name": "ci"},
            "list": {"company_id": world["company"]["id"]},
            "revoke": {"api_key_id": world["key"]["id"]}}[path]
    assert call(client, world, path, role, **body).status_code == status


def test_the_key_is_shown_once_and_stored_as_its_sha256(app, client, world):
    key = world["key"]["api_key"]
    assert key.startswith("cfk_") and len(key) > 40
    assert digests(app) == [hashlib.sha256(key.encode()).hexdigest()]
    listed = call(client, world, "list", HostRole.RESELLER_ADMIN,
                  company_id=world["company"]["id"]).json["api_keys"]
    assert listed == [{"id": world["key"]["id"], "company_id": world["company"]["id"],
                       "name": "first", "created_at": world["key"]["created_at"]}]
    assert rooms_call(client, world, key).status_code == 200


def test_a_revoked_key_stops_working_and_leaves_the_list(client, world):
    key = world["key"]
    assert call(client, world, "revoke", HostRole.COMPANY_ADMIN,
                api_key_id=key["id"]).json == {"ok": True}
    assert rooms_call(client, world, key["api_key"]).status_code == 403
    assert call(client, world, "list", HostRole.COMPANY_ADMIN,
                company_id=world["company"]["id"]).json == {"api_keys": []}
    again = call(client, world, "revoke", HostRole.COMPANY_ADMIN, api_key_id=key["id"])
    assert again.status_code == 404


def test_another_tenants_keys_and_companies_are_404(app, client, world, make_reseller,
                                                    make_company, make_host, token_for):
    other_reseller = make_reseller()
    other_company = make_company(other_reseller)
    other_admin = make_host(other_company, HostRole.COMPANY_ADMIN)
    other = {"company": other_company, "tokens": {HostRole.COMPANY_ADMIN: token_for(other_admin),
                                                  HostRole.RESELLER_ADMIN:
                                                      token_for(other_reseller["admin"])}}
    before = digests(app)
    for role in (HostRole.COMPANY_ADMIN, HostRole.RESELLER_ADMIN):
        assert call(client, other, "revoke", role,
                    api_key_id=world["key"]["id"]).status_code == 404
        assert call(client, other, "list", role,
                    company_id=world["company"]["id"]).status_code == 404
        assert call(client, other, "create", role, company_id=world["company"]["id"],
                    name="x").status_code == 404
    # A company admin of another company of the same reseller: not theirs either.
    sibling = make_company(world["reseller"])
    sibling_admin = make_host(sibling, HostRole.COMPANY_ADMIN)
    sibling_world = {"company": sibling, "tokens": {HostRole.COMPANY_ADMIN:
                                                    token_for(sibling_admin)}}
    assert call(client, sibling_world, "revoke", HostRole.COMPANY_ADMIN,
                api_key_id=world["key"]["id"]).status_code == 404
    assert digests(app) == before


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": 5}, {"name": "x" * 101}, {"name": "ok", "extra": 1},
    {"name": "ok", "company_id": "1"},
])
def test_bad_input_is_422_and_makes_nothing(app, client, world, body):
    before = digests(app)
    body = {"company_id": world["company"]["id"], **body}
    answer = call(client, world, "create", HostRole.COMPANY_ADMIN, **body)
    assert answer.status_code == 422, answer.json
    assert digests(app) == before


def test_company_get_names_the_rooms_api_base_url(client, world):
    answer = client.post("/enterprise_api/company/get",
                         headers={"Host": world["company"]["host_name"]},
                         json={"auth_token": world["tokens"][HostRole.COMPANY_ADMIN],
                               "company_id": world["company"]["id"]})
    assert answer.json["rooms_api_url"].endswith(
        f"://{world['company']['host_name']}/api/rooms/v1")
