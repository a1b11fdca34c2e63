from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import PasswordLink
from tests.helpers import DEFAULT_PASSWORD

DOC_REQUEST = {  # the VivoMeetings document's host/create example
    "name": "John Host", "email": "john@company.tld", "password": "SoSecret5!",
    "no_welcome_email": True, "role": "HOST", "openid_sub": "23081912eca",
    "subscription_ids": [102, 104], "moderator_pin": 9876543, "access_code": 1234567,
}
DOC_RESPONSE_KEYS = {
    "host_id", "name", "email", "primary_dialin_number", "meeting_url", "role", "openid_sub",
    "access_code", "moderator_pin", "password_creation_link", "login_token_public_key",
    "subscription_ids",
    "meeting_defaults",  # Confera's addition: the host's level of the settings cascade
}


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller, subdomain="company")
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    host = make_host(company, HostRole.HOST)
    return {
        "reseller": reseller, "company": company, "admin": admin, "host": host,
        "tokens": {
            HostRole.RESELLER_ADMIN: (token_for(reseller["admin"]),
                                      reseller["admin_company"]["host_name"]),
            HostRole.COMPANY_ADMIN: (token_for(admin), company["host_name"]),
            HostRole.HOST: (token_for(host), company["host_name"]),
        },
    }


def test_host_create_answers_exactly_as_the_document_shows(api, tenant):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    response = api("host/create", host_name, token, company_id=tenant["company"]["id"],
                   **DOC_REQUEST)
    assert response.status_code == 200
    body = response.json
    assert set(body) == DOC_RESPONSE_KEYS
    assert isinstance(body["host_id"], int)
    assert body["name"] == "John Host" and body["email"] == "john@company.tld"
    assert body["primary_dialin_number"] is None
    assert body["meeting_url"] == (
        f"https://company.{tenant['reseller']['domain']}/conf/call/1234567")
    assert body["role"] == "HOST" and body["openid_sub"] == "23081912eca"
    assert body["access_code"] == {"number": "1234567"}
    assert body["moderator_pin"] == {"number": "9876543"}
    # A password was given and no welcome mail goes out: nobody needs a link.
    assert body["password_creation_link"] is None
    assert len(body["login_token_public_key"]) == 64
    assert body["subscription_ids"] == [102, 104]


def test_host_create_generates_what_is_omitted(api, tenant):
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    body = api("host/create", host_name, token, company_id=tenant["company"]["id"],
               name="Ann", email="ann@company.tld").json
    assert body["role"] == "HOST"
    assert body["access_code"]["number"].isdigit() and len(body["access_code"]["number"]) == 10
    assert body["moderator_pin"]["number"].isdigit()
    assert body["meeting_url"].endswith("/conf/call/" + body["access_code"]["number"])
    assert body["subscription_ids"] == [] and body["openid_sub"] is None


@pytest.mark.parametrize(("password", "no_welcome_email", "link"), [
    ("SoSecret5!", True, False),  # nobody would use it: no link exists at all
    ("SoSecret5!", False, True),  # the welcome mail offers it
    (None, True, True),  # the only way in: the caller hands it on
    (None, False, True),
])
def test_a_password_link_is_made_only_when_someone_needs_it(
        app, api, tenant, password, no_welcome_email, link):
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    body = {"password": password} if password else {}
    answer = api("host/create", host_name, token, company_id=tenant["company"]["id"],
                 name="Ann", email="ann@company.tld", no_welcome_email=no_welcome_email, **body)
    assert answer.status_code == 200, answer.json
    made = answer.json["password_creation_link"]
    assert (made is not None) is link
    if link:
        assert made.startswith(f"https://company.{tenant['reseller']['domain']}/password/set#")
    with app.app_context():
        rows = db.session.execute(sa.select(PasswordLink).where(
            PasswordLink.host_id == answer.json["host_id"])).scalars().all()
    assert len(rows) == (1 if link else 0)


def test_password_given_at_create_lets_the_host_authenticate(api, tenant):
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    api("host/create", host_name, token, company_id=tenant["company"]["id"], **DOC_REQUEST)
    response = api("authenticate", host_name, email="john@company.tld", password="SoSecret5!")
    assert response.status_code == 200


@pytest.mark.parametrize(("role", "new_role", "status"), [
    (HostRole.RESELLER_ADMIN, "HOST", 200),
    (HostRole.RESELLER_ADMIN, "COMPANY_ADMIN", 200),
    (HostRole.RESELLER_ADMIN, "RESELLER_ADMIN", 422),  # only in the admin company
    (HostRole.COMPANY_ADMIN, "HOST", 200),
    (HostRole.COMPANY_ADMIN, "COMPANY_ADMIN", 200),
    (HostRole.COMPANY_ADMIN, "RESELLER_ADMIN", 403),
    (HostRole.HOST, "HOST", 403),
])
def test_host_create_by_role(api, tenant, snapshot, role, new_role, status):
    token, host_name = tenant["tokens"][role]
    before = snapshot()
    response = api("host/create", host_name, token, company_id=tenant["company"]["id"],
                   name="New", email="new@company.tld", role=new_role)
    assert response.status_code == status, response.json
    if status != 200:
        assert snapshot() == before


def test_reseller_admin_may_add_reseller_admins_to_the_admin_company(api, tenant):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    response = api("host/create", host_name, token,
                   company_id=tenant["reseller"]["admin_company"]["id"],
                   name="Ops", email="ops@reseller.tld", role="RESELLER_ADMIN")
    assert response.status_code == 200


@pytest.mark.parametrize(("role", "target", "status"), [
    (HostRole.RESELLER_ADMIN, "admin", 200), (HostRole.RESELLER_ADMIN, "host", 200),
    (HostRole.COMPANY_ADMIN, "admin", 200), (HostRole.COMPANY_ADMIN, "host", 200),
    (HostRole.HOST, "host", 200), (HostRole.HOST, "admin", 403),
])
def test_host_get_by_role(api, tenant, role, target, status):
    token, host_name = tenant["tokens"][role]
    response = api("host/get", host_name, token, host_id=tenant[target]["id"])
    assert response.status_code == status
    if status == 200:
        assert set(response.json) == DOC_RESPONSE_KEYS
        assert response.json["password_creation_link"] is None


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 200), (HostRole.HOST, 403),
])
def test_host_list_by_role(api, tenant, role, status):
    token, host_name = tenant["tokens"][role]
    response = api("host/list", host_name, token, company_id=tenant["company"]["id"])
    assert response.status_code == status
    if status == 200:
        assert response.json["total"] == 2
        assert {h["host_id"] for h in response.json["hosts"]} == {
            tenant["admin"]["id"], tenant["host"]["id"]}


def test_host_list_defaults_to_the_callers_company_and_pages(api, tenant, make_host):
    for _ in range(3):
        make_host(tenant["company"])
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    page = api("host/list", host_name, token, per_page=2, page=3).json
    assert page["total"] == 5 and len(page["hosts"]) == 1


@pytest.mark.parametrize(("role", "target", "changes", "status"), [
    (HostRole.RESELLER_ADMIN, "host", {"name": "Renamed"}, 200),
    (HostRole.RESELLER_ADMIN, "host", {"role": "COMPANY_ADMIN"}, 200),
    (HostRole.COMPANY_ADMIN, "host", {"access_code": "7654321"}, 200),
    (HostRole.COMPANY_ADMIN, "host", {"role": "RESELLER_ADMIN"}, 403),
    (HostRole.COMPANY_ADMIN, "admin", {"role": "HOST"}, 403),  # nobody changes their own role
    (HostRole.HOST, "host", {"name": "Me"}, 403),
    (HostRole.HOST, "host", {"role": "COMPANY_ADMIN"}, 403),
])
def test_host_update_by_role(api, tenant, snapshot, role, target, changes, status):
    token, host_name = tenant["tokens"][role]
    before = snapshot()
    response = api("host/update", host_name, token, host_id=tenant[target]["id"], **changes)
    assert response.status_code == status, response.json
    if status != 200:
        assert snapshot() == before


def test_company_admin_cannot_change_a_reseller_admin(api, tenant, make_host, token_for):
    admin_company = tenant["reseller"]["admin_company"]
    colleague = make_host(admin_company, HostRole.COMPANY_ADMIN)
    response = api("host/update", admin_company["host_name"], token_for(colleague),
                   host_id=tenant["reseller"]["admin"]["id"], name="Pwned")
    assert response.status_code == 403


def test_host_update_password_revokes_the_hosts_tokens(api, tenant):
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    host_token, _ = tenant["tokens"][HostRole.HOST]
    response = api("host/update", host_name, token, host_id=tenant["host"]["id"],
                   password="a-brand-new-one")
    assert response.status_code == 200
    assert api("host/get", host_name, host_token, host_id=tenant["host"]["id"]).status_code == 401
    assert api("authenticate", host_name, email=tenant["host"]["email"],
               password="a-brand-new-one").status_code == 200


def test_host_update_rejects_a_taken_email_or_access_code(api, tenant, snapshot):
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    before = snapshot()
    for field, value in (("email", tenant["admin"]["email"]),
                         ("access_code", tenant["admin"]["access_code"])):
        response = api("host/update", host_name, token, host_id=tenant["host"]["id"],
                       **{field: value})
        assert response.status_code == 409
        assert field in response.json["errors"]
    assert snapshot() == before


def test_access_codes_are_unique_within_the_reseller_not_across(
    api, tenant, make_reseller, make_company, make_host, token_for
):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    sibling = make_company(tenant["reseller"])
    code = tenant["host"]["access_code"]
    response = api("host/create", host_name, token, company_id=sibling["id"], name="X",
                   email="x@sibling.tld", access_code=code)
    assert response.status_code == 409
    other_reseller = make_reseller()
    other_token = token_for(other_reseller["admin"])
    other_company = make_company(other_reseller)
    response = api("host/create", other_reseller["admin_company"]["host_name"], other_token,
                   company_id=other_company["id"], name="X", email="x@o.tld", access_code=code)
    assert response.status_code == 200


def test_deleted_host_frees_its_email_and_code_and_loses_its_tokens(api, tenant):
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    host_token, _ = tenant["tokens"][HostRole.HOST]
    target = tenant["host"]
    assert api("host/delete", host_name, token, host_id=target["id"]).json == {"ok": True}
    assert api("host/get", host_name, token, host_id=target["id"]).status_code == 404
    assert api("host/get", host_name, host_token, host_id=target["id"]).status_code == 401
    again = api("host/create", host_name, token, company_id=tenant["company"]["id"], name="Again",
                email=target["email"], access_code=target["access_code"])
    assert again.status_code == 200


@pytest.mark.parametrize(("role", "target", "status"), [
    (HostRole.RESELLER_ADMIN, "admin", 200), (HostRole.COMPANY_ADMIN, "host", 200),
    (HostRole.COMPANY_ADMIN, "admin", 409),  # yourself
    (HostRole.HOST, "host", 403),
])
def test_host_delete_by_role(api, tenant, role, target, status):
    token, host_name = tenant["tokens"][role]
    assert api("host/delete", host_name, token, host_id=tenant[target]["id"]).status_code == status


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 200), (HostRole.HOST, 403),
])
def test_rotate_login_token_by_role(api, tenant, role, status):
    token, host_name = tenant["tokens"][role]
    admin_token, company_host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    before = api("host/get", company_host_name, admin_token,
                 host_id=tenant["host"]["id"]).json["login_token_public_key"]
    response = api("host/rotate_login_token", host_name, token, host_id=tenant["host"]["id"])
    assert response.status_code == status
    if status == 200:
        assert response.json["login_token_public_key"] != before


def test_login_token_and_moderator_pin_are_encrypted_at_rest(app, api, tenant):
    import sqlalchemy as sa

    from app.extensions import db

    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    key = api("host/get", host_name, token,
              host_id=tenant["host"]["id"]).json["login_token_public_key"]
    with app.app_context():
        raw = db.session.execute(sa.text("SELECT login_token_public_key, password_hash, "
                                         "moderator_pin FROM hosts WHERE id = :id"),
                                 {"id": tenant["host"]["id"]}).one()
    assert key not in raw[0]
    assert raw[1].startswith("$argon2id$") and DEFAULT_PASSWORD not in raw[1]
    pin = api("host/get", host_name, token,
              host_id=tenant["host"]["id"]).json["moderator_pin"]["number"]
    assert pin not in raw[2] and len(raw[2]) > 50  # a Fernet token, not the digits
