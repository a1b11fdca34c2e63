"""Password login, logout, and the portal's own pages (room, profile):
who gets in, what each session may change, and that every POST needs the
session's CSRF token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.modules.hosts.models import Host, HostWebSession
from app.modules.hosts.web_sessions import HOST_SESSION_COOKIE
from app.modules.tenants.models import Company
from tests.helpers import DEFAULT_PASSWORD
from tests.web.portal_helpers import csrf_of, login_key, session_rows

NEW_PASSWORD = "another-good-password"


@pytest.fixture
def world(app, make_reseller, make_company, make_host) -> dict[str, Any]:
    company = make_company(make_reseller())
    with app.app_context():
        db.session.get(Company, company["id"]).embed_origins = ["https://embed.example.test"]
        db.session.commit()
    return {"company": company, "host": make_host(company), "colleague": make_host(company),
            "name": company["host_name"]}


def _login(client, world, password=DEFAULT_PASSWORD, email=None, next_=None, **headers):
    data = {"email": email or world["host"]["email"], "password": password}
    if next_ is not None:
        data["next"] = next_
    return client.post("/login", data=data, headers={"Host": world["name"], **headers})


def _sso(app, client, world):
    answer = client.get("/auth?" + urlencode({
        "host_id": world["host"]["id"],
        "login_token_public_key": login_key(app, world["host"]["id"])}),
        headers={"Host": world["name"]})
    assert answer.status_code == 303


def _get(client, world, path):
    return client.get(path, headers={"Host": world["name"]})


def _csrf(client, world) -> str:
    return csrf_of(_get(client, world, "/portal/profile").get_data(as_text=True))


def _password_hash(app, host_id):
    with app.app_context():
        return db.session.get(Host, host_id).password_hash


def _email(app, host_id):
    with app.app_context():
        return db.session.get(Host, host_id).email


# -- login ----------------------------------------------------------------------------


def test_the_login_page_is_a_form_that_is_not_stored(client, world):
    page = _get(client, world, "/login")
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'self' https://embed.example.test" in \
        page.headers["Content-Security-Policy"]
    assert "single sign-on" not in page.get_data(as_text=True)


def test_a_company_with_openid_offers_its_sign_on(app, client, world):
    with app.app_context():
        db.session.get(Company, world["company"]["id"]).openid_provider = True
        db.session.commit()
    page = _get(client, world, "/login?next=/portal/room").get_data(as_text=True)
    assert 'href="/login/openid?next=/portal/room"' in page
    assert "Sign in with single sign-on" in page


def test_the_right_password_logs_in(app, client, world):
    answer = _login(client, world, next_="/portal/room")
    assert answer.status_code == 303 and answer.headers["Location"] == "/portal/room"
    assert "Partitioned" in answer.headers["Set-Cookie"]
    assert [r.via for r in session_rows(app)] == ["password"]
    assert _get(client, world, "/portal/room").status_code == 200


@pytest.mark.parametrize("next_", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                   "javascript:alert(1)", ""])
def test_login_goes_nowhere_but_a_path_of_this_host_name(client, world, next_):
    answer = _login(client, world, next_=next_)
    assert answer.status_code == 303 and answer.headers["Location"] == "/conf/calls/upcoming"


@pytest.mark.parametrize("who", ["wrong-password", "unknown-email", "colleague-password"])
def test_wrong_credentials_get_the_form_again_with_one_message(app, client, world, snapshot,
                                                               who):
    before = snapshot()
    email = {"unknown-email": "nobody@example.test",
             "colleague-password": world["colleague"]["email"]}.get(who)
    password = "not-the-password" if who != "unknown-email" else DEFAULT_PASSWORD
    answer = _login(client, world, password=password, email=email)
    assert answer.status_code == 401
    page = answer.get_data(as_text=True)
    assert "Wrong email or password" in page and 'name="password"' in page
    assert "Set-Cookie" not in answer.headers
    assert snapshot() == before


def test_wrong_passwords_back_off(app_with, world):
    client = app_with(login_backoff_after=2).test_client()
    statuses = [_login(client, world, password="wrong-password").status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    throttled = _login(client, world)  # the right password waits too
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert 'name="password"' in throttled.get_data(as_text=True)


def test_a_login_form_sent_from_another_site_is_refused(app, client, world, snapshot):
    before = snapshot()
    answer = _login(client, world, Origin="https://evil.example")
    assert answer.status_code == 400
    assert snapshot() == before
    same = _login(client, world, Origin=f"http://{world['name']}:5000")
    assert same.status_code == 303


def test_logged_in_the_login_page_moves_on(client, world):
    _login(client, world)
    answer = _get(client, world, "/login?next=/portal/profile")
    assert answer.status_code == 303 and answer.headers["Location"] == "/portal/profile"


# -- the gate -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/portal/room", "/portal/profile", "/portal/room?a=1&b=2"])
def test_portal_pages_send_strangers_to_login(client, world, path):
    answer = _get(client, world, path)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/login?next={quote(path, safe='/')}"
    assert answer.headers["Cache-Control"] == "no-store"
    form = client.get(answer.headers["Location"], headers={"Host": world["name"]})
    assert f'name="next" value="{path.replace("&", "&amp;")}"' in form.get_data(as_text=True)


def test_a_session_counts_on_its_company_only(client, world, make_company, make_host):
    _login(client, world)
    other = make_company({"reseller_id": world["company"]["reseller_id"]})
    # The browser sends the cookie only to its host name; even when it is
    # sent elsewhere, another company's pages do not take it.
    token = client.get_cookie(HOST_SESSION_COOKIE, domain=world["name"]).value
    client.set_cookie(HOST_SESSION_COOKIE, token, domain=other["host_name"])
    assert client.get("/portal/room", headers={"Host": other["host_name"]}).status_code == 303


def test_an_expired_session_is_sent_to_login(app, client, world):
    _login(client, world)
    with app.app_context():
        db.session.execute(sa.update(HostWebSession).values(
            expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert _get(client, world, "/portal/room").status_code == 303


def test_portal_pages_are_private_and_framed_by_embed_origins_only(client, world):
    _login(client, world)
    for path in ("/portal/room", "/portal/profile"):
        page = _get(client, world, path)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Content-Security-Policy"].endswith(
            "frame-ancestors 'self' https://embed.example.test")
        text = page.get_data(as_text=True)
        for link in ("/conf/calls/upcoming", "/conf/calls/new", "/portal/room",
                     "/portal/settings", "/portal/profile", 'action="/logout"'):
            assert link in text


def test_the_room_page_shows_the_address_code_and_pins(app, client, api, world, token_for):
    updated = api("room/update", world["name"], token_for(world["host"]),
                  host_id=world["host"]["id"], security_pin="4815162342")
    assert updated.status_code == 200, updated.json
    _login(client, world)
    page = _get(client, world, "/portal/room").get_data(as_text=True)
    with app.app_context():
        host = db.session.get(Host, world["host"]["id"])
        pin, code = host.moderator_pin, host.access_code
    assert f"/conf/call/{code}" in page and pin in page and "4815162342" in page
    assert 'id="start-meeting"' in page


# -- logout ---------------------------------------------------------------------------


def test_logout_ends_the_session(app, client, world):
    _login(client, world)
    answer = client.post("/logout", data={"csrf_token": _csrf(client, world)},
                         headers={"Host": world["name"]})
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert "Partitioned" in answer.headers["Set-Cookie"]
    assert session_rows(app)[0].revoked_at is not None
    assert _get(client, world, "/portal/room").status_code == 303


def test_logout_without_the_csrf_token_is_400_and_ends_nothing(app, client, world, snapshot):
    _login(client, world)
    before = snapshot()
    answer = client.post("/logout", headers={"Host": world["name"]})
    assert answer.status_code == 400
    assert snapshot() == before
    assert _get(client, world, "/portal/room").status_code == 200


# -- the profile ----------------------------------------------------------------------


def _change_password(client, world, csrf, current=DEFAULT_PASSWORD, new=NEW_PASSWORD,
                     confirm=None):
    data = {"current_password": current, "new_password": new,
            "new_password_confirm": new if confirm is None else confirm}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/portal/profile/password", data=data, headers={"Host": world["name"]})


def _change_email(client, world, csrf, email, current=DEFAULT_PASSWORD):
    data = {"email": email, "current_password": current}
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.post("/portal/profile/email", data=data, headers={"Host": world["name"]})


def test_a_password_session_changes_its_password(app, client, world, token_for):
    other_browser = app.test_client()
    _login(other_browser, world)
    api_token = token_for(world["host"])
    _login(client, world)
    answer = _change_password(client, world, _csrf(client, world))
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/portal/profile?changed=password"
    assert _get(client, world, "/portal/profile").status_code == 200  # this one stays
    assert _get(other_browser, world, "/portal/room").status_code == 303  # others end
    assert client.post("/enterprise_api/host/get", json={"auth_token": api_token,
                       "host_id": world["host"]["id"]},
                       headers={"Host": world["name"]}).status_code == 401
    assert _login(app.test_client(), world, password=NEW_PASSWORD).status_code == 303


def test_a_password_session_changes_its_email(app, client, world):
    _login(client, world)
    answer = _change_email(client, world, _csrf(client, world), " New@Example.Test ")
    assert answer.status_code == 303
    assert _email(app, world["host"]["id"]) == "new@example.test"
    assert _login(app.test_client(), world, email="new@example.test").status_code == 303


@pytest.mark.parametrize("case", ["no-csrf", "wrong-csrf", "wrong-current", "short", "differ",
                                  "too-long"])
def test_a_refused_password_change_changes_nothing(app, client, world, snapshot, case):
    _login(client, world)
    csrf = _csrf(client, world)
    before = snapshot()
    answer = {
        "no-csrf": lambda: _change_password(client, world, None),
        "wrong-csrf": lambda: _change_password(client, world, csrf + "x"),
        "wrong-current": lambda: _change_password(client, world, csrf, current="nope-nope"),
        "short": lambda: _change_password(client, world, csrf, new="short"),
        "differ": lambda: _change_password(client, world, csrf, confirm=NEW_PASSWORD + "!"),
        "too-long": lambda: _change_password(client, world, csrf, new="x" * 257),
    }[case]()
    assert answer.status_code == {"no-csrf": 400, "wrong-csrf": 400, "wrong-current": 401}.get(
        case, 422)
    assert snapshot() == before


@pytest.mark.parametrize("case", ["no-csrf", "wrong-current", "invalid", "taken"])
def test_a_refused_email_change_changes_nothing(app, client, world, snapshot, case):
    _login(client, world)
    csrf = _csrf(client, world)
    before = snapshot()
    answer = {
        "no-csrf": lambda: _change_email(client, world, None, "new@example.test"),
        "wrong-current": lambda: _change_email(client, world, csrf, "new@example.test",
                                               current="nope-nope"),
        "invalid": lambda: _change_email(client, world, csrf, "not an email"),
        "taken": lambda: _change_email(client, world, csrf, world["colleague"]["email"]),
    }[case]()
    assert answer.status_code == {"no-csrf": 400, "wrong-current": 401, "invalid": 422,
                                  "taken": 409}[case]
    assert snapshot() == before


def test_an_sso_session_neither_sees_nor_sends_credential_forms(app, client, world, snapshot):
    _sso(app, client, world)
    page = _get(client, world, "/portal/profile").get_data(as_text=True)
    assert "change-password" not in page and "change-email" not in page
    assert 'id="managed-elsewhere"' in page
    csrf = csrf_of(page)
    before = snapshot()
    assert _change_password(client, world, csrf).status_code == 403
    assert _change_email(client, world, csrf, "new@example.test").status_code == 403
    assert _change_password(client, world, None).status_code == 400  # CSRF first
    assert snapshot() == before
    assert _password_hash(app, world["host"]["id"]) == _password_hash(app, world["host"]["id"])


def test_deleting_the_host_ends_its_sessions(app, client, api, world, make_host, token_for):
    from app.modules.access import HostRole

    admin = make_host(world["company"], HostRole.COMPANY_ADMIN)
    _login(client, world)
    assert api("host/delete", world["name"], token_for(admin),
               host_id=world["host"]["id"]).status_code == 200
    assert _get(client, world, "/portal/room").status_code == 303


def test_the_password_done_page_leads_to_login(app, client, world):
    from app.modules.hosts.credentials import create_password_link
    from app.modules.tenants.models import Tenant

    with app.app_context():
        host = db.session.get(Host, world["host"]["id"])
        link = create_password_link(Tenant.of(host.company), host)
        db.session.commit()
    token = link.partition("#")[2]
    done = client.post("/password/set", data={"token": token, "password": NEW_PASSWORD,
                                              "password_confirm": NEW_PASSWORD},
                       headers={"Host": world["name"]})
    assert done.status_code == 200 and 'href="/login"' in done.get_data(as_text=True)
