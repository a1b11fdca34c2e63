"""livestream/get: the player URL of a host's room and whether it is live,
for whoever may see that host; anyone else gets the host API's refusals."""

from __future__ import annotations

import pytest

from app.modules.access import HostRole


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    admin = make_host(company, HostRole.COMPANY_ADMIN)
    host, colleague = make_host(company), make_host(company)
    other = make_company(make_reseller())
    other_admin = make_host(other, HostRole.COMPANY_ADMIN)
    return {"reseller": reseller, "company": company, "host": host,
            "tokens": {"RESELLER_ADMIN": (token_for(reseller["admin"]),
                                          reseller["admin_company"]["host_name"]),
                       "COMPANY_ADMIN": (token_for(admin), company["host_name"]),
                       "HOST": (token_for(host), company["host_name"]),
                       "COLLEAGUE": (token_for(colleague), company["host_name"]),
                       "OTHER": (token_for(other_admin), other["host_name"])}}


@pytest.mark.parametrize(("who", "status"), [
    ("RESELLER_ADMIN", 200), ("COMPANY_ADMIN", 200), ("HOST", 200), ("COLLEAGUE", 403),
    ("OTHER", 404),
])
def test_who_may_get_a_hosts_live_stream(api, tenant, who, status):
    token, host_name = tenant["tokens"][who]
    answer = api("livestream/get", host_name, token, host_id=tenant["host"]["id"])
    assert answer.status_code == status, answer.json
    if status == 200:
        code = tenant["host"]["access_code"]
        assert answer.json == {
            "player_url": f"https://{tenant['company']['host_name']}/livestream/{code}",
            "state": "not_live", "reason": ""}


@pytest.mark.parametrize("body", [{}, {"host_id": "1"}, {"host_id": 0}, {"host_id": 1, "x": 1},
                                  {"host_id": 2_000_000_000}])
def test_bad_bodies_are_refused_and_change_nothing(api, tenant, snapshot, body):
    token, host_name = tenant["tokens"]["COMPANY_ADMIN"]
    before = snapshot()
    answer = api("livestream/get", host_name, token, **body)
    assert answer.status_code in (404, 422), answer.json
    assert answer.json["message"]
    assert snapshot() == before


def test_no_token_is_401(api, tenant):
    assert api("livestream/get", tenant["company"]["host_name"],
               host_id=tenant["host"]["id"]).status_code == 401
