"""The set-password page behind a host's one-time link.

The link carries its token in the fragment (``/password/set#<token>``),
which browsers never send: the token is in no request line, so in no access
log. The page's own script puts it into the form, which POSTs it (issue S,
item 7)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.errors import NotFound
from app.extensions import db
from app.factory import create_app
from app.modules.hosts.credentials import (
    create_password_link,
    set_password,
    usable_password_link,
)
from app.modules.hosts.models import Host, PasswordLink
from app.modules.tenants.models import Tenant
from tests.helpers import DEFAULT_PASSWORD

NEW_PASSWORD = "brand-new-secret-1"


def _new_link(app, host_id):
    with app.app_context():
        model = db.session.get(Host, host_id)
        assert model is not None
        url = create_password_link(Tenant.of(model.company), model)
        db.session.commit()
    return url


@pytest.fixture
def link(app, make_reseller, make_company, make_host):
    reseller = make_reseller(name="Acme Video")
    company = make_company(reseller)
    host = make_host(company)
    url = _new_link(app, host["id"])
    return {"url": url, "token": urlsplit(url).fragment, "host_name": urlsplit(url).hostname,
            "host": host, "reseller": reseller, "company": company}


def _post(client, link, password=NEW_PASSWORD, confirm=None, token=None, host_name=None):
    return client.post("/password/set", headers={"Host": host_name or link["host_name"]},
                       data={"token": link["token"] if token is None else token,
                             "password": password,
                             "password_confirm": password if confirm is None else confirm})


def _hash(app, host_id):
    with app.app_context():
        return db.session.get(Host, host_id).password_hash


def test_the_token_travels_in_the_fragment_never_in_a_logged_url(link):
    parts = urlsplit(link["url"])
    assert (parts.path, parts.query) == ("/password/set", "")
    assert len(link["token"]) >= 40
    assert link["token"] not in parts.path + parts.query


def test_the_page_is_branded_for_the_reseller_and_names_no_platform(client, link):
    response = client.get("/password/set", headers={"Host": link["host_name"]})
    assert response.status_code == 200
    assert b"Acme Video" in response.data
    assert b"Confera" not in response.data and b"confera" not in response.data.lower()


def test_the_page_reads_the_fragment_with_a_script_of_its_own(client, link):
    response = client.get("/password/set", headers={"Host": link["host_name"]})
    assert b'<script src="/static/password/set.js"' in response.data
    assert b'name="token"' in response.data
    script = client.get("/static/password/set.js", headers={"Host": link["host_name"]})
    assert script.status_code == 200 and b"location.hash" in script.data


def test_the_link_sets_the_password_once(app, client, link, api):
    assert _post(client, link).status_code == 200
    assert api("authenticate", link["host_name"], email=link["host"]["email"],
               password=NEW_PASSWORD).status_code == 200
    again = _post(client, link, password="another-secret-2")
    assert again.status_code == 404 and b"expired or was already used" in again.data


def test_the_link_works_only_on_its_companys_host_name(client, link, make_company):
    elsewhere = make_company(link["reseller"])
    assert _post(client, link, host_name=elsewhere["host_name"]).status_code == 404


def test_an_expired_link_is_refused(app, client, link):
    with app.app_context():
        db.session.execute(sa.update(PasswordLink).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert _post(client, link).status_code == 404


@pytest.mark.parametrize(("password", "confirm"), [
    ("short", "short"), ("long-enough-1", "long-enough-2"), ("x" * 300, "x" * 300), ("", ""),
])
def test_a_bad_password_is_refused_and_the_link_still_works(app, client, link, password,
                                                            confirm):
    before = _hash(app, link["host"]["id"])
    response = _post(client, link, password, confirm)
    assert response.status_code == 422
    assert b'class="error"' in response.data
    # The page keeps the token in its form, so the next try needs no fragment.
    assert f'value="{link["token"]}"'.encode() in response.data
    assert _hash(app, link["host"]["id"]) == before
    assert _post(client, link).status_code == 200


@pytest.mark.parametrize("token", ["made-up", ""])
def test_a_made_up_or_missing_token_is_404(client, link, token):
    response = _post(client, link, token=token)
    assert response.status_code == 404
    assert b"expired or was already used" in response.data


def test_a_password_set_any_other_way_voids_every_open_link(app, client, link, api,
                                                            token_for):
    second = urlsplit(_new_link(app, link["host"]["id"])).fragment
    with app.app_context():
        set_password(db.session.get(Host, link["host"]["id"]), "set-by-an-admin-1")
        db.session.commit()
    for token in (link["token"], second):
        assert _post(client, link, token=token).status_code == 404
    third = urlsplit(_new_link(app, link["host"]["id"])).fragment
    assert _post(client, link, token=third).status_code == 200
    assert _post(client, link, token=second).status_code == 404


def test_set_password_spends_the_hosts_open_links(app, link):
    """The domain rule itself, whatever sets the password."""
    with app.app_context():
        host = db.session.get(Host, link["host"]["id"])
        usable_password_link(Tenant.of(host.company), link["token"])  # open
        set_password(host, "set-by-an-admin-1")
        db.session.commit()
        with pytest.raises(NotFound):
            usable_password_link(Tenant.of(host.company), link["token"])


def test_using_one_link_voids_the_hosts_other_links(app, client, link):
    second = urlsplit(_new_link(app, link["host"]["id"])).fragment
    assert _post(client, link).status_code == 200
    assert _post(client, link, token=second, password="another-secret-2").status_code == 404


def test_a_password_changed_through_the_api_voids_the_link(client, link, api, token_for):
    admin = link["reseller"]["admin"]
    answer = api("host/update", link["reseller"]["admin_company"]["host_name"],
                 token_for(admin), host_id=link["host"]["id"], password="set-by-an-admin-1")
    assert answer.status_code == 200, answer.json
    assert _post(client, link).status_code == 404
    assert api("authenticate", link["host_name"], email=link["host"]["email"],
               password=DEFAULT_PASSWORD).status_code == 401


def test_a_link_mailed_in_the_old_form_is_sent_to_the_fragment(client, link):
    response = client.get(f"/password/set/{link['token']}", headers={"Host": link["host_name"]})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/password/set#{link['token']}"


def test_password_pages_are_rate_limited(settings, link):
    limited = create_app(settings.with_(ratelimit_password_pages="2 per minute")).test_client()
    codes = [limited.get("/password/set", headers={"Host": link["host_name"]}).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
