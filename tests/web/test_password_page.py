from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.factory import create_app
from app.modules.hosts.credentials import create_password_link
from app.modules.hosts.models import Host, PasswordLink
from app.modules.tenants.models import Tenant


@pytest.fixture
def link(app, make_reseller, make_company, make_host):
    reseller = make_reseller(name="Acme Video")
    company = make_company(reseller)
    host = make_host(company)
    with app.app_context():
        model = db.session.get(Host, host["id"])
        assert model is not None
        url = create_password_link(Tenant.of(model.company), model)
        db.session.commit()
    return {"path": urlsplit(url).path, "host_name": urlsplit(url).hostname, "host": host,
            "reseller": reseller, "company": company}


def _hash(app, host_id):
    with app.app_context():
        return db.session.get(Host, host_id).password_hash


def test_the_page_is_branded_for_the_reseller_and_names_no_platform(client, link):
    response = client.get(link["path"], headers={"Host": link["host_name"]})
    assert response.status_code == 200
    assert b"Acme Video" in response.data
    assert b"Confera" not in response.data and b"confera" not in response.data.lower()


def test_the_link_works_only_on_its_companys_host_name(client, link, make_company):
    elsewhere = make_company(link["reseller"])
    response = client.get(link["path"], headers={"Host": elsewhere["host_name"]})
    assert response.status_code == 404


def test_an_expired_link_is_refused(app, client, link):
    with app.app_context():
        db.session.execute(sa.update(PasswordLink).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert client.get(link["path"], headers={"Host": link["host_name"]}).status_code == 404


@pytest.mark.parametrize(("password", "confirm"), [
    ("short", "short"), ("long-enough-1", "long-enough-2"), ("x" * 300, "x" * 300), ("", ""),
])
def test_a_bad_password_is_refused_and_the_link_still_works(app, client, link, password,
                                                            confirm):
    before = _hash(app, link["host"]["id"])
    response = client.post(link["path"], headers={"Host": link["host_name"]},
                           data={"password": password, "password_confirm": confirm})
    assert response.status_code == 422
    assert b'class="error"' in response.data
    assert _hash(app, link["host"]["id"]) == before
    assert client.get(link["path"], headers={"Host": link["host_name"]}).status_code == 200


def test_a_made_up_token_is_404(client, link):
    response = client.get("/password/set/made-up", headers={"Host": link["host_name"]})
    assert response.status_code == 404
    assert b"expired or was already used" in response.data


def test_password_pages_are_rate_limited(settings, link):
    limited = create_app(settings.with_(ratelimit_password_pages="2 per minute")).test_client()
    codes = [limited.get(link["path"], headers={"Host": link["host_name"]}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
