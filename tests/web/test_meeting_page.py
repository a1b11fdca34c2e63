"""The meeting page's HTTP side: who may frame it, what an unknown room is."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.security_headers import PAGE_POLICY
from app.extensions import db
from app.modules.hosts.models import Host
from app.modules.tenants.models import Company


def test_only_the_platform_and_the_companys_embed_origins_may_frame_the_room(
    app, client, make_reseller, make_company, make_host
):
    company = make_company(make_reseller())
    host = make_host(company)
    url, headers = f"/conf/call/{host['access_code']}", {"Host": company["host_name"]}

    page = client.get(url, headers=headers)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == f"{PAGE_POLICY}; frame-ancestors 'self'"

    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == company["id"]).values(
            embed_origins=["https://shop.example", "https://www.shop.example"]))
        db.session.commit()
    page = client.get(url, headers=headers)
    assert page.headers["Content-Security-Policy"] == \
        f"{PAGE_POLICY}; frame-ancestors 'self' https://shop.example https://www.shop.example"
    assert b'"embed_origins": ["https://shop.example", "https://www.shop.example"]' in page.data


def test_an_unknown_room_or_host_name_is_a_404_page(client, make_reseller, make_company):
    company = make_company(make_reseller())
    answer = client.get("/conf/call/123456789", headers={"Host": company["host_name"]})
    assert answer.status_code == 404 and b"No meeting room has this address" in answer.data
    assert client.get("/conf/call/1", headers={"Host": "nowhere.localhost"}).status_code == 404


def test_a_hosts_own_defaults_apply_to_its_room_before_its_first_use(
    app, client, make_reseller, make_company, make_host
):
    company = make_company(make_reseller())
    host = make_host(company)
    with app.app_context():
        db.session.get(Host, host["id"]).meeting_defaults = {"language": "de",
                                                            "hidden_controls": ["chat"]}
        db.session.commit()
    page = client.get(f"/conf/call/{host['access_code']}", headers={"Host": company["host_name"]})
    assert b'<html lang="de">' in page.data and b"hide-chat" in page.data
