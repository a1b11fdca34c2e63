"""A host's secrets (issue S, item 9): its SSO key (login_token_public_key)
and its moderator_pin are shown only to those who may change them
(COMPANY_ADMIN or more, and no lesser role than the host's), on host/get
and host/list alike; anyone else reads null. Before, a COMPANY_ADMIN of the
reseller's admin company read the RESELLER_ADMIN's key and PIN."""

from __future__ import annotations

import pytest

from app.modules.access import HostRole

SECRETS = ("login_token_public_key", "moderator_pin")


@pytest.fixture
def world(make_reseller, make_company, make_host, token_for):
    """The reseller's admin company with a RESELLER_ADMIN, a COMPANY_ADMIN and a
    HOST, and a customer company with the same."""
    reseller = make_reseller()
    admin_company, company = reseller["admin_company"], make_company(reseller)
    hosts = {
        "reseller_admin": reseller["admin"],
        "admin_company_admin": make_host(admin_company, HostRole.COMPANY_ADMIN),
        "admin_company_host": make_host(admin_company, HostRole.HOST),
        "company_admin": make_host(company, HostRole.COMPANY_ADMIN),
        "other_company_admin": make_host(company, HostRole.COMPANY_ADMIN),
        "company_host": make_host(company, HostRole.HOST),
    }
    return {"hosts": hosts, "tokens": {name: token_for(host) for name, host in hosts.items()}}


# (caller, target, secrets shown)
TABLE = [
    ("reseller_admin", "reseller_admin", True),
    ("reseller_admin", "admin_company_admin", True),
    ("reseller_admin", "company_host", True),
    ("admin_company_admin", "reseller_admin", False),  # the hole
    ("admin_company_admin", "admin_company_admin", True),
    ("admin_company_admin", "admin_company_host", True),
    ("company_admin", "company_admin", True),
    ("company_admin", "other_company_admin", True),
    ("company_admin", "company_host", True),
    ("company_host", "company_host", False),  # a HOST changes neither of its own
    ("admin_company_host", "admin_company_host", False),
]


@pytest.mark.parametrize(("caller", "target", "shown"), TABLE)
def test_host_get_shows_secrets_only_to_who_may_change_them(api, world, caller, target, shown):
    host = world["hosts"][target]
    response = api("host/get", world["hosts"][caller]["host_name"], world["tokens"][caller],
                   host_id=host["id"])
    assert response.status_code == 200, response.json
    for name in SECRETS:
        assert (response.json[name] is not None) is shown, name
    assert response.json["access_code"] == {"number": host["access_code"]}


@pytest.mark.parametrize(("caller", "shown"), [
    ("reseller_admin", {"reseller_admin", "admin_company_admin", "admin_company_host"}),
    ("admin_company_admin", {"admin_company_admin", "admin_company_host"}),
])
def test_host_list_hides_the_same_secrets(api, world, caller, shown):
    company_id = world["hosts"]["admin_company_admin"]["company_id"]
    response = api("host/list", world["hosts"][caller]["host_name"], world["tokens"][caller],
                   company_id=company_id)
    assert response.status_code == 200, response.json
    by_id = {h["host_id"]: h for h in response.json["hosts"]}
    for target in ("reseller_admin", "admin_company_admin", "admin_company_host"):
        listed = by_id[world["hosts"][target]["id"]]
        for name in SECRETS:
            assert (listed[name] is not None) is (target in shown), (target, name)


def test_who_may_change_a_host_still_reads_its_secrets_after_changing_them(api, world):
    token, host = world["tokens"]["company_admin"], world["hosts"]["company_host"]
    name = host["host_name"]
    rotated = api("host/rotate_login_token", name, token, host_id=host["id"])
    updated = api("host/update", name, token, host_id=host["id"], moderator_pin="24681357")
    assert rotated.status_code == updated.status_code == 200
    assert len(rotated.json["login_token_public_key"]) == 64
    assert updated.json["moderator_pin"] == {"number": "24681357"}
