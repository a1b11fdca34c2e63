from __future__ import annotations

import pytest

from app.modules.access import HostRole

NEW_COMPANY = {"subdomain": "joe", "name": "The Joe Company", "openid_provider": True}


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    """A reseller with a customer company and a token for each role."""
    reseller = make_reseller()
    company = make_company(reseller)
    company_admin = make_host(company, HostRole.COMPANY_ADMIN)
    host = make_host(company, HostRole.HOST)
    return {
        "reseller": reseller, "company": company,
        "tokens": {
            HostRole.RESELLER_ADMIN: (token_for(reseller["admin"]),
                                      reseller["admin_company"]["host_name"]),
            HostRole.COMPANY_ADMIN: (token_for(company_admin), company["host_name"]),
            HostRole.HOST: (token_for(host), company["host_name"]),
        },
    }


def test_create_company_matches_the_document(api, tenant):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    response = api("company/create", host_name, token, **NEW_COMPANY)
    assert response.status_code == 200
    assert set(response.json) == {"id"} and isinstance(response.json["id"], int)
    got = api("company/get", host_name, token, company_id=response.json["id"]).json
    assert got["subdomain"] == "joe"
    assert got["host_name"] == f"joe.{tenant['reseller']['domain']}"
    assert got["openid_provider"] is True and got["is_admin_company"] is False


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 403), (HostRole.HOST, 403),
])
def test_company_create_by_role(api, tenant, snapshot, role, status):
    token, host_name = tenant["tokens"][role]
    before = snapshot()
    assert api("company/create", host_name, token, **NEW_COMPANY).status_code == status
    assert (snapshot() == before) is (status != 200)


@pytest.mark.parametrize(("role", "own", "status"), [
    (HostRole.RESELLER_ADMIN, True, 200), (HostRole.RESELLER_ADMIN, False, 200),
    (HostRole.COMPANY_ADMIN, True, 200), (HostRole.COMPANY_ADMIN, False, 404),
    (HostRole.HOST, True, 403), (HostRole.HOST, False, 403),
])
def test_company_get_by_role(api, tenant, make_company, role, own, status):
    sibling = make_company(tenant["reseller"])
    target = tenant["company"] if own else sibling
    token, host_name = tenant["tokens"][role]
    assert api("company/get", host_name, token, company_id=target["id"]).status_code == status


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 403), (HostRole.HOST, 403),
])
def test_company_list_by_role(api, tenant, role, status):
    token, host_name = tenant["tokens"][role]
    assert api("company/list", host_name, token).status_code == status


def test_company_list_pages(api, tenant, make_company):
    for _ in range(4):
        make_company(tenant["reseller"])
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    first = api("company/list", host_name, token, page=1, per_page=3).json
    second = api("company/list", host_name, token, page=2, per_page=3).json
    assert first["total"] == second["total"] == 6  # admin company + tenant company + 4
    ids = [c["id"] for c in first["companies"] + second["companies"]]
    assert len(ids) == 6 and len(set(ids)) == 6


@pytest.mark.parametrize(("role", "changes", "status"), [
    (HostRole.RESELLER_ADMIN, {"subdomain": "renamed"}, 200),
    (HostRole.RESELLER_ADMIN, {"name": "New"}, 200),
    (HostRole.COMPANY_ADMIN, {"name": "New", "embed_origins": ["https://shop.example"]}, 200),
    (HostRole.COMPANY_ADMIN, {"branding": {"primary_color": "#112233"}}, 200),
    (HostRole.COMPANY_ADMIN, {"subdomain": "renamed"}, 403),
    (HostRole.COMPANY_ADMIN, {"custom_domain": "video.example.com"}, 403),
    (HostRole.HOST, {"name": "New"}, 403),
])
def test_company_update_by_role(api, tenant, snapshot, role, changes, status):
    token, host_name = tenant["tokens"][role]
    before = snapshot()
    response = api("company/update", host_name, token, company_id=tenant["company"]["id"],
                   **changes)
    assert response.status_code == status, response.json
    if status == 200:
        for key, value in changes.items():
            assert response.json[key] == value
    else:
        assert snapshot() == before


def test_embed_origins_are_normalised(api, tenant):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    response = api("company/update", host_name, token, company_id=tenant["company"]["id"],
                   embed_origins=["HTTPS://Shop.Example:8443/"])
    assert response.json["embed_origins"] == ["https://shop.example:8443"]


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 403), (HostRole.HOST, 403),
])
def test_company_delete_by_role(api, tenant, role, status):
    token, host_name = tenant["tokens"][role]
    assert api("company/delete", host_name, token,
               company_id=tenant["company"]["id"]).status_code == status


def test_deleted_company_stops_resolving_but_keeps_its_data(app, api, tenant):
    from app.extensions import db
    from app.modules.hosts.models import Host

    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    company_token, company_host = tenant["tokens"][HostRole.COMPANY_ADMIN]
    assert api("company/delete", host_name, token, company_id=tenant["company"]["id"]).json == {
        "ok": True}
    assert api("company/list", company_host, company_token).status_code == 404
    assert api("company/get", host_name, token,
               company_id=tenant["company"]["id"]).status_code == 404
    with app.app_context():
        assert db.session.query(Host).filter_by(company_id=tenant["company"]["id"]).count() == 2
    # its subdomain stays reserved: the data still belongs to it
    response = api("company/create", host_name, token,
                   **{**NEW_COMPANY, "subdomain": tenant["company"]["subdomain"]})
    assert response.status_code == 409


def test_admin_company_cannot_be_deleted(api, tenant):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    response = api("company/delete", host_name, token,
                   company_id=tenant["reseller"]["admin_company"]["id"])
    assert response.status_code == 409


@pytest.mark.parametrize(("changes", "status", "field"), [
    ({"subdomain": "joe"}, 409, "subdomain"),
    ({"custom_domain": "video.example.com"}, 409, "custom_domain"),
])
def test_company_names_are_unique(api, tenant, changes, status, field, snapshot):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    api("company/create", host_name, token, **NEW_COMPANY, custom_domain="video.example.com")
    before = snapshot()
    response = api("company/create", host_name, token,
                   **{**NEW_COMPANY, "subdomain": "other", **changes})
    assert response.status_code == status
    assert field in response.json["errors"]
    assert snapshot() == before


def test_custom_domain_under_a_reseller_domain_is_refused(api, tenant):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    response = api("company/create", host_name, token, **NEW_COMPANY,
                   custom_domain=f"x.joe.{tenant['reseller']['domain']}")
    assert response.status_code == 422
    assert "custom_domain" in response.json["errors"]


def test_company_is_reached_at_its_custom_domain(api, tenant, make_host, token_for):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    company_id = api("company/create", host_name, token, **NEW_COMPANY,
                     custom_domain="video.joe.example").json["id"]
    admin = make_host({"id": company_id}, HostRole.COMPANY_ADMIN)
    company_token = token_for(admin)
    response = api("company/get", "video.joe.example", company_token, company_id=company_id)
    assert response.status_code == 200
    assert response.json["host_name"] == "video.joe.example"
