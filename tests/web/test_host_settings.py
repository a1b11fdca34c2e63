"""/portal/settings: a host's own meeting defaults (the settings cascade's
host level) from the portal, narrowing only what the company decides."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.extensions import db
from app.modules.access import HostRole
from app.modules.hosts.models import Host
from app.modules.tenants.models import Company
from tests.helpers import DEFAULT_PASSWORD
from tests.web.portal_helpers import csrf_of

PAGE = "/portal/settings"


@pytest.fixture
def world(app, make_reseller, make_company, make_host, token_for) -> dict[str, Any]:
    company = make_company(make_reseller())
    with app.app_context():
        db.session.get(Company, company["id"]).meeting_defaults = {
            "hidden_controls": ["chat"], "language": "de"}
        db.session.commit()
    host = make_host(company)
    return {"company": company, "host": host, "name": company["host_name"],
            "token": token_for(host)}


def _get(client, world, path):
    return client.get(path, headers={"Host": world["name"]})


def _post(client, world, data):
    return client.post(PAGE, data=data, headers={"Host": world["name"]})


def _login(client, world) -> str:
    answer = client.post("/login", data={"email": world["host"]["email"],
                                         "password": DEFAULT_PASSWORD, "next": PAGE},
                         headers={"Host": world["name"]})
    assert answer.status_code == 303
    return csrf_of(_get(client, world, PAGE).get_data(as_text=True))


def _stored(app, world) -> dict[str, Any]:
    with app.app_context():
        defaults = dict(db.session.get(Host, world["host"]["id"]).meeting_defaults)
        db.session.remove()
        return defaults


def test_strangers_are_sent_to_login(client, world):
    answer = _get(client, world, PAGE)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/login?next=/portal/settings"


def test_the_form_shows_what_the_company_decides(client, world):
    _login(client, world)
    page = _get(client, world, PAGE)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Company default: Deutsch" in html
    assert re.search(r'id="hide-chat"[^>]*checked disabled', html)  # never shown again
    assert "(hidden by your company)" in html


def test_a_host_saves_its_defaults_and_its_room_shows_them(api, app, client, world):
    # A default set through the API that the form does not show is kept.
    api("host/update", world["name"], world["token"], host_id=world["host"]["id"],
        meeting_defaults={"recording_allowed": False})
    csrf = _login(client, world)
    answer = _post(client, world, {
        "csrf_token": csrf, "mute_mode": "presentation", "language": "fr",
        "hidden_controls": ["hand", "screen"], "after_call_url": "https://host.example/bye"})
    assert answer.status_code == 303 and answer.headers["Location"] == f"{PAGE}?saved=1"
    assert _stored(app, world) == {
        "recording_allowed": False, "mute_mode": "presentation", "language": "fr",
        "hidden_controls": ["hand", "screen"], "after_call_url": "https://host.example/bye"}
    html = _get(client, world, f"{PAGE}?saved=1").get_data(as_text=True)
    assert 'id="saved"' in html and '<option value="fr" selected>' in html

    # The host's room (once used) shows the host's values over the company's,
    # and the control the company hides stays hidden.
    api("room/update", world["name"], world["token"], host_id=world["host"]["id"],
        security_pin=None)
    room = _get(client, world, f"/conf/call/{world['host']['access_code']}").get_data(
        as_text=True)
    assert '<html lang="fr">' in room
    assert 'class=" hide-screen hide-hand hide-chat"' in room
    assert '"after_call_url": "https://host.example/bye"' in room

    # An empty choice goes back to the company's.
    answer = _post(client, world, {"csrf_token": csrf, "language": "", "mute_mode": ""})
    assert answer.status_code == 303
    assert _stored(app, world) == {"recording_allowed": False}


BAD_FORMS = [
    {"language": "tlh"}, {"mute_mode": "loud"}, {"hidden_controls": "self-destruct"},
    {"after_call_url": "javascript:alert(1)"}, {"after_call_url": "not a url"},
]


@pytest.mark.parametrize("bad", BAD_FORMS, ids=repr)
def test_bad_values_get_the_form_again_and_change_nothing(client, world, snapshot, bad):
    csrf = _login(client, world)
    before = snapshot()
    answer = _post(client, world, {"csrf_token": csrf, **bad})
    assert answer.status_code == 422
    assert 'role="alert"' in answer.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_a_post_without_the_sessions_token_changes_nothing(client, world, snapshot, csrf):
    _login(client, world)
    before = snapshot()
    data = {"language": "fr"} if csrf is None else {"language": "fr", "csrf_token": csrf}
    assert _post(client, world, data).status_code == 400
    assert snapshot() == before


def test_an_admin_uses_the_same_page_for_its_own_defaults(app, client, make_host, world):
    admin = make_host(world["company"], HostRole.COMPANY_ADMIN)
    answer = client.post("/login", data={"email": admin["email"], "password": DEFAULT_PASSWORD},
                         headers={"Host": world["name"]})
    assert answer.status_code == 303
    csrf = csrf_of(_get(client, world, PAGE).get_data(as_text=True))
    assert _post(client, world, {"csrf_token": csrf, "language": "es"}).status_code == 303
    with app.app_context():
        assert db.session.get(Host, admin["id"]).meeting_defaults == {"language": "es"}
