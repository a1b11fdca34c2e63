"""enterprise_api webhook/*: who may, bad input (422, nothing made), another
tenant's (404), and the SSRF guard at creation (WEBHOOK_ALLOW_PRIVATE off)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.modules.access import HostRole
from app.modules.webhooks.models import Subscription
from tests.webhooks import add_delivery, create_webhook

URL = "https://receiver.example.test/hook"


@pytest.fixture
def world(app, client, make_reseller, make_company, make_host, token_for):
    reseller = make_reseller()
    company = make_company(reseller)
    hosts = {role: make_host(company, role) for role in (HostRole.HOST, HostRole.COMPANY_ADMIN)}
    tokens = {role: token_for(host) for role, host in hosts.items()}
    tokens[HostRole.RESELLER_ADMIN] = token_for(reseller["admin"])
    webhook_id, delivery_id = add_delivery(app, client, reseller, company,
                                           tokens[HostRole.RESELLER_ADMIN])
    return {"reseller": reseller, "company": company, "tokens": tokens,
            "webhook_id": webhook_id, "delivery_id": delivery_id}


def call(client, world, path, role, **body):
    return client.post(f"/enterprise_api/webhook/{path}",
                       headers={"Host": world["company"]["host_name"]},
                       json={"auth_token": world["tokens"][role], **body})


def count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(Subscription)).scalar()


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.HOST, 403), (HostRole.COMPANY_ADMIN, 200), (HostRole.RESELLER_ADMIN, 200)])
@pytest.mark.parametrize("path", ["create", "list", "deliveries", "redeliver", "delete"])
def test_roles(client, world, role, status, path):
    body = {"create": {"company_id": world["company"]["id"], "url": URL},
            "list": {}, "deliveries": {"webhook_id": world["webhook_id"]},
            "redeliver": {"delivery_id": world["delivery_id"]},
            "delete": {"webhook_id": world["webhook_id"]}}[path]
    assert call(client, world, path, role, **body).status_code == status


def test_secret_only_at_creation_and_reseller_wide_needs_a_reseller_admin(client, world):
    made = call(client, world, "create", HostRole.RESELLER_ADMIN, url=URL).json
    assert made["secret"].startswith("whsec_")
    listed = call(client, world, "list", HostRole.RESELLER_ADMIN).json["webhooks"]
    assert {w["id"] for w in listed} == {made["id"], world["webhook_id"]}
    assert all("secret" not in w for w in listed)
    assert call(client, world, "create", HostRole.COMPANY_ADMIN, url=URL).status_code == 403
    # A company admin does not see the reseller-wide one.
    mine = call(client, world, "list", HostRole.COMPANY_ADMIN).json["webhooks"]
    assert [w["id"] for w in mine] == [world["webhook_id"]]


@pytest.mark.parametrize("body", [
    {}, {"url": ""}, {"url": 5}, {"url": "ftp://example.test/x"},
    {"url": "https://user:pw@example.test/x"}, {"url": "https://example.test/x#f"},
    {"url": "https:///nohost"}, {"url": URL, "event_types": ["no.such"]},
    {"url": URL, "event_types": "meeting.created"}, {"url": URL, "company_id": "1"},
    {"url": URL, "extra": 1}, {"url": "https://example.test:99999/x"},
])
def test_bad_input_is_422_and_makes_nothing(app, client, world, body):
    before = count(app)
    body.setdefault("company_id", world["company"]["id"])
    answer = call(client, world, "create", HostRole.COMPANY_ADMIN, **body)
    assert answer.status_code == 422, answer.json
    assert count(app) == before


def test_another_tenants_webhooks_are_404(client, world, make_reseller, make_company, app,
                                          token_for):
    other = make_reseller()
    other_company = make_company(other)
    theirs = {"reseller": other, "company": other_company,
              "tokens": {HostRole.RESELLER_ADMIN: token_for(other["admin"])}}
    for path, body in [("deliveries", {"webhook_id": world["webhook_id"]}),
                       ("delete", {"webhook_id": world["webhook_id"]}),
                       ("redeliver", {"delivery_id": world["delivery_id"]}),
                       ("create", {"company_id": world["company"]["id"], "url": URL}),
                       ("list", {"company_id": world["company"]["id"]})]:
        answer = call(client, theirs, path, HostRole.RESELLER_ADMIN, **body)
        assert answer.status_code == 404, (path, answer.json)
    assert call(client, world, "deliveries", HostRole.COMPANY_ADMIN,
                webhook_id=world["webhook_id"]).status_code == 200


def test_delete_stops_the_webhook(client, world):
    assert call(client, world, "delete", HostRole.COMPANY_ADMIN,
                webhook_id=world["webhook_id"]).status_code == 200
    assert call(client, world, "deliveries", HostRole.COMPANY_ADMIN,
                webhook_id=world["webhook_id"]).status_code == 404
    assert call(client, world, "list", HostRole.COMPANY_ADMIN).json["webhooks"] == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x", "http://10.1.2.3/x", "http://192.168.0.1/x", "http://172.16.0.1/x",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://[fe80::1]/x",
    "http://0.0.0.0/x", "http://224.0.0.1/x", "http://240.0.0.1/x", "http://localhost/x",
    "http://[::ffff:127.0.0.1]/x", "http://100.64.0.1/x",
])
def test_private_addresses_are_refused_at_creation(app_with, world, url):
    guarded = app_with(webhook_allow_private=False).test_client()
    answer = guarded.post("/enterprise_api/webhook/create",
                          headers={"Host": world["company"]["host_name"]},
                          json={"auth_token": world["tokens"][HostRole.COMPANY_ADMIN],
                                "company_id": world["company"]["id"], "url": url})
    assert answer.status_code == 422, answer.json


def test_create_helper_makes_a_company_webhook(client, world):
    made = create_webhook(client, world["company"], world["tokens"][HostRole.COMPANY_ADMIN], URL)
    assert made["id"].startswith("wh_")
