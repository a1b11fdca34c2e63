"""Embed origins are origins, nothing else (issue S, item 4): a value that
would add a CSP directive (``;``), allow any site (``*``), break the header
(control characters, raw non-ASCII) or is no origin at all is 422; a host
name is stored in its ASCII (IDNA) form; and the meeting page's header is
built so that no stored value can break it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.schemas import normalize_origin
from app.extensions import db
from app.modules.access import HostRole
from app.modules.tenants.models import Company

BAD = [
    "https://x.test; script-src 'none'", "https://x.test;", "https://x.test,https://y.test",
    "https://*", "https://*.x.test", "*", "https://x.test'", 'https://x.test"',
    "'self'", "'none'", "https://x .test", " https://x.test", "https://x.test\n",
    "https://x\x00y.test", "https://x\ty.test", "https://x\u2028y.test",
    "https://x.test:0", "https://x.test:65536", "https://x.test:44a", "https://x.test:",
    "https://user@x.test", "https://x.test/path", "https://x.test?q=1", "https://x.test#f",
    "https://x.test//", "ftp://x.test", "javascript:alert(1)", "data:text/html,x",
    "https://", "https:///x.test", "x.test", "https://-x.test", "https://x_y.test",
    "https://x..test", "https://.x.test", "https://x.test.", "https://x%2etest",
    "https://[::1", "https://::1", "https://[x::1]", "https://" + "a" * 64 + ".test",
    "https://" + ".".join(["a" * 60] * 5), "https://x\\y.test", "https://ex\u00a0ample.test",
]
GOOD = [
    ("https://shop.example", "https://shop.example"),
    ("HTTPS://Shop.Example:8443/", "https://shop.example:8443"),
    ("https://shop.example:443", "https://shop.example"),
    ("http://shop.example:80", "http://shop.example"),
    ("http://shop.example:443", "http://shop.example:443"),
    ("https://bücher.example", "https://xn--bcher-kva.example"),
    ("https://BÜCHER.example", "https://xn--bcher-kva.example"),
    ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("http://[::1]:8080", "http://[::1]:8080"),
    ("https://[2001:DB8:0:0::1]", "https://[2001:db8::1]"),
]


@pytest.fixture
def tenant(make_reseller, make_company, token_for):
    reseller = make_reseller()
    return {"company": make_company(reseller), "host_name": reseller["admin_company"][
        "host_name"], "token": token_for(reseller["admin"])}


@pytest.mark.parametrize("origin", BAD)
def test_anything_but_an_origin_is_refused(api, tenant, snapshot, origin):
    before = snapshot()
    for path, body in (("company/update", {"company_id": tenant["company"]["id"]}),
                       ("company/create", {"subdomain": "fresh", "name": "F",
                                           "openid_provider": False})):
        response = api(path, tenant["host_name"], tenant["token"],
                       embed_origins=["https://fine.example", origin], **body)
        if "\x00" in origin:  # refused with any JSON string that holds a NUL
            assert response.status_code == 400, (path, response.json)
            continue
        assert response.status_code == 422, (path, response.json)
        assert "embed_origins" in response.json["errors"]
    assert snapshot() == before


@pytest.mark.parametrize(("origin", "stored"), GOOD)
def test_an_origin_is_stored_in_its_ascii_form(api, tenant, origin, stored):
    response = api("company/update", tenant["host_name"], tenant["token"],
                   company_id=tenant["company"]["id"], embed_origins=[origin])
    assert response.status_code == 200, response.json
    assert response.json["embed_origins"] == [stored]
    assert normalize_origin(stored) == stored  # stable


def test_the_same_origin_twice_is_kept_once(api, tenant):
    response = api("company/update", tenant["host_name"], tenant["token"],
                   company_id=tenant["company"]["id"],
                   embed_origins=["https://a.example", "https://A.example:443/",
                                  "https://b.example"])
    assert response.json["embed_origins"] == ["https://a.example", "https://b.example"]


def test_a_company_admin_cannot_inject_either(api, tenant, make_host, token_for):
    admin = make_host(tenant["company"], HostRole.COMPANY_ADMIN)
    response = api("company/update", tenant["company"]["host_name"], token_for(admin),
                   company_id=tenant["company"]["id"],
                   embed_origins=["https://x.test; script-src 'none'"])
    assert response.status_code == 422


def test_no_stored_value_can_break_the_meeting_pages_header(app, client, tenant, make_host):
    """Values stored before this check (or by hand) are left out of the
    header and the page's config, never copied into them."""
    code = make_host(tenant["company"])["access_code"]
    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == tenant["company"]["id"])
                           .values(embed_origins=[
                               "https://x.test; script-src 'none'", "https://*",
                               "https://x\x00y.test", "https://bücher.example",
                               "https://ok.example"]))
        db.session.commit()
    page = client.get(f"/conf/call/{code}", headers={"Host": tenant["company"]["host_name"]})
    assert page.status_code == 200
    policy = page.headers["Content-Security-Policy"]
    directives = [part.strip().split(" ", 1)[0] for part in policy.split(";")]
    assert directives == ["script-src", "object-src", "base-uri", "frame-ancestors"]
    assert policy.endswith(
        "frame-ancestors 'self' https://xn--bcher-kva.example https://ok.example")
    assert b'"embed_origins": ["https://xn--bcher-kva.example", "https://ok.example"]' \
        in page.data
