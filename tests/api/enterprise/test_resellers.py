"""The settings cascade through the API: reseller/get and reseller/update
(the reseller level), company/update's inherit_reseller_defaults, host/update's
meeting_defaults (the host level), and what the meeting page then shows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs.models import Job
from app.modules.access import HostRole
from app.modules.events.operations import EVENT_WRITTEN

DEFAULTS = {"hidden_controls": ["chat"], "language": "de", "layout": "strip",
            "mute_mode": "qa", "after_call_url": "https://reseller.example/bye",
            "recording_allowed": False, "transcription_allowed": True,
            "live_stream_allowed": False, "early_join_minutes": 5, "close_grace_minutes": 30,
            "reminder_minutes": [60, 10]}


@pytest.fixture
def tenant(make_reseller, make_company, make_host, token_for):
    """A reseller, a customer company that sets nothing, and a token for each
    role (the company's on its own host name)."""
    reseller = make_reseller(name="Acme Video")
    company = make_company(reseller)
    company_admin = make_host(company, HostRole.COMPANY_ADMIN)
    host = make_host(company, HostRole.HOST)
    admin_company_admin = make_host(reseller["admin_company"], HostRole.COMPANY_ADMIN)
    return {
        "reseller": reseller, "company": company, "host": host,
        "company_admin": company_admin,
        "tokens": {
            HostRole.RESELLER_ADMIN: (token_for(reseller["admin"]),
                                      reseller["admin_company"]["host_name"]),
            HostRole.COMPANY_ADMIN: (token_for(company_admin), company["host_name"]),
            HostRole.HOST: (token_for(host), company["host_name"]),
            "admin company's COMPANY_ADMIN": (token_for(admin_company_admin),
                                              reseller["admin_company"]["host_name"]),
        },
    }


def as_reseller(api, tenant, path, **body):
    token, host_name = tenant["tokens"][HostRole.RESELLER_ADMIN]
    return api(path, host_name, token, **body)


def page(client, tenant, query=""):
    answer = client.get(f"/conf/call/{tenant['host']['access_code']}{query}",
                        headers={"Host": tenant["company"]["host_name"]})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


ROLES = [(HostRole.RESELLER_ADMIN, 200), ("admin company's COMPANY_ADMIN", 403),
         (HostRole.COMPANY_ADMIN, 403), (HostRole.HOST, 403)]


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_reseller_get_by_role(api, tenant, role, status):
    token, host_name = tenant["tokens"][role]
    answer = api("reseller/get", host_name, token)
    assert answer.status_code == status, answer.json
    if status == 200:
        assert answer.json == {"name": "Acme Video", "domain": tenant["reseller"]["domain"],
                               "branding": {}, "mail_sender_name": None,
                               "meeting_defaults": {}}


@pytest.mark.parametrize(("role", "status"), ROLES)
def test_reseller_update_by_role(api, tenant, role, status, snapshot):
    token, host_name = tenant["tokens"][role]
    before = snapshot()
    answer = api("reseller/update", host_name, token, meeting_defaults=DEFAULTS,
                 mail_sender_name="Acme Meetings", branding={"primary_color": "#ff8800"})
    assert answer.status_code == status, answer.json
    if status != 200:
        assert snapshot() == before
        return
    expected = {"name": "Acme Video", "domain": tenant["reseller"]["domain"],
                "branding": {"primary_color": "#ff8800"}, "mail_sender_name": "Acme Meetings",
                "meeting_defaults": DEFAULTS}
    assert answer.json == expected
    assert as_reseller(api, tenant, "reseller/get").json == expected


BAD_UPDATES = [
    {"name": "Renamed"}, {"domain": "other.localhost"},  # the operator's, not the reseller's
    {"mail_sender_name": ""}, {"mail_sender_name": "x" * 101},
    {"mail_sender_name": "Acme\r\nBcc: victim@example.test"}, {"mail_sender_name": 7},
    {"branding": {"primary_color": "orange"}},
    {"meeting_defaults": {"colour": "red"}},
    {"meeting_defaults": {"language": "tlh"}}, {"meeting_defaults": {"layout": "mosaic"}},
    {"meeting_defaults": {"mute_mode": "loud"}},
    {"meeting_defaults": {"hidden_controls": ["self-destruct"]}},
    {"meeting_defaults": {"hidden_controls": "chat"}},
    {"meeting_defaults": {"after_call_url": "javascript:alert(1)"}},
    {"meeting_defaults": {"recording_allowed": "no"}},
    {"meeting_defaults": {"live_stream_allowed": 0}},
    {"meeting_defaults": {"early_join_minutes": "10"}},
    {"meeting_defaults": {"early_join_minutes": -1}},
    {"meeting_defaults": {"early_join_minutes": 1.5}},
    {"meeting_defaults": {"close_grace_minutes": 100_000}},
    {"meeting_defaults": {"reminder_minutes": 15}},
    {"meeting_defaults": {"reminder_minutes": [0]}},
    {"meeting_defaults": {"reminder_minutes": [1, 2, 3, 4, 5, 6]}},
    {"meeting_defaults": {"reminder_minutes": [60 * 24 * 8]}},
    {"meeting_defaults": []},
]


@pytest.mark.parametrize("bad", BAD_UPDATES, ids=repr)
def test_reseller_update_refuses_bad_input_and_changes_nothing(api, tenant, snapshot, bad):
    before = snapshot()
    answer = as_reseller(api, tenant, "reseller/update", **bad)
    assert answer.status_code == 422, answer.json
    assert snapshot() == before


def test_another_resellers_admin_cannot_read_or_change_this_reseller(
        api, tenant, make_reseller, token_for, snapshot):
    other = make_reseller(name="Other Video")
    token = token_for(other["admin"])
    before = snapshot()
    # On this reseller's host names its token is no credential.
    for host_name in (tenant["reseller"]["admin_company"]["host_name"],
                      tenant["company"]["host_name"]):
        assert api("reseller/get", host_name, token).status_code == 401
        assert api("reseller/update", host_name, token,
                   mail_sender_name="Taken Over").status_code == 401
    assert api("reseller/get", "nobody.localhost", token).status_code == 404
    assert snapshot() == before
    # On its own host names it reads its own reseller, never this one.
    own = api("reseller/get", other["admin_company"]["host_name"], token).json
    assert own["name"] == "Other Video" and own["domain"] == other["domain"]


def test_a_reseller_value_shows_on_the_page_of_a_company_that_sets_nothing(api, client,
                                                                           tenant):
    assert '<html lang="en">' in page(client, tenant)
    answer = as_reseller(api, tenant, "reseller/update", meeting_defaults=DEFAULTS)
    assert answer.status_code == 200, answer.json
    html = page(client, tenant)
    assert '<html lang="de">' in html
    assert 'class="strip hide-chat"' in html
    assert '"after_call_url": "https://reseller.example/bye"' in html
    assert '"recording_allowed": false' in html
    # A URL parameter may hide more, never show what the reseller hid.
    assert 'class="strip hide-screen hide-chat"' in page(client, tenant, "?hide=screen")
    assert 'hide-chat' in page(client, tenant, "?hide=")


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 403),
])
def test_only_the_reseller_chooses_which_companies_inherit(api, client, tenant, role, status,
                                                          snapshot):
    as_reseller(api, tenant, "reseller/update", meeting_defaults={"language": "de"})
    token, host_name = tenant["tokens"][role]
    company_id = tenant["company"]["id"]
    before = snapshot()
    answer = api("company/update", host_name, token, company_id=company_id,
                 inherit_reseller_defaults=False)
    assert answer.status_code == status, answer.json
    got = as_reseller(api, tenant, "company/get", company_id=company_id).json
    if status != 200:
        assert snapshot() == before
        assert got["inherit_reseller_defaults"] is True
        assert '<html lang="de">' in page(client, tenant)
        return
    assert answer.json["inherit_reseller_defaults"] is False
    assert got["inherit_reseller_defaults"] is False
    assert '<html lang="en">' in page(client, tenant)  # the reseller's no longer applies


def test_the_inherit_flag_takes_only_true_or_false(api, tenant, snapshot):
    before = snapshot()
    for bad in ("no", 0, None):
        answer = as_reseller(api, tenant, "company/update", company_id=tenant["company"]["id"],
                             inherit_reseller_defaults=bad)
        assert answer.status_code == 422, (bad, answer.json)
    assert snapshot() == before


def test_a_company_cannot_allow_what_the_reseller_turned_off(api, client, tenant, snapshot):
    as_reseller(api, tenant, "reseller/update", meeting_defaults={"recording_allowed": False})
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    before = snapshot()
    answer = api("company/update", host_name, token, company_id=tenant["company"]["id"],
                 meeting_defaults={"recording_allowed": True, "language": "fr"})
    assert answer.status_code == 422
    assert "recording_allowed" in answer.json["message"]
    assert "recording_allowed" in answer.json["errors"]["meeting_defaults"]
    assert snapshot() == before
    # A company's own value wins over the reseller's for a plain value.
    answer = api("company/update", host_name, token, company_id=tenant["company"]["id"],
                 meeting_defaults={"recording_allowed": False, "language": "fr"})
    assert answer.status_code == 200, answer.json
    assert '<html lang="fr">' in page(client, tenant)


def test_a_host_sets_its_own_defaults_narrowing_only(api, client, tenant, snapshot):
    token, host_name = tenant["tokens"][HostRole.HOST]
    host_id = tenant["host"]["id"]
    answer = api("host/update", host_name, token, host_id=host_id,
                 meeting_defaults={"language": "es", "hidden_controls": ["hand"]})
    assert answer.status_code == 200, answer.json
    assert answer.json["meeting_defaults"] == {"language": "es", "hidden_controls": ["hand"]}
    # Its own answer shows it no secret (a HOST does not manage itself).
    assert answer.json["moderator_pin"] is None and answer.json["login_token_public_key"] is None
    got = api("host/get", host_name, token, host_id=host_id).json
    assert got["meeting_defaults"] == {"language": "es", "hidden_controls": ["hand"]}

    before = snapshot()
    # What the company turned off, the host cannot turn on; what only companies
    # set, a host cannot set; nor may a HOST change anything else of itself.
    admin_token, _ = tenant["tokens"][HostRole.COMPANY_ADMIN]
    api("company/update", host_name, admin_token, company_id=tenant["company"]["id"],
        meeting_defaults={"live_stream_allowed": False})
    before = snapshot()
    for refused, status, named in (
        ({"meeting_defaults": {"live_stream_allowed": True}}, 422, "live_stream_allowed"),
        ({"meeting_defaults": {"reminder_minutes": [5]}}, 422, "reminder_minutes"),
        ({"meeting_defaults": {"language": "tlh"}}, 422, "language"),
        ({"meeting_defaults": {"language": "fr"}, "name": "Renamed"}, 403, None),
    ):
        answer = api("host/update", host_name, token, host_id=host_id, **refused)
        assert answer.status_code == status, (refused, answer.json)
        if named:
            assert named in str(answer.json)
    assert snapshot() == before

    # The host's room shows the host's value over the company's (once used).
    api("room/update", host_name, token, host_id=host_id, mute_mode="presentation")
    assert '<html lang="es">' in page(client, tenant)
    assert "hide-hand" in page(client, tenant)


@pytest.mark.parametrize(("role", "status"), [
    (HostRole.RESELLER_ADMIN, 200), (HostRole.COMPANY_ADMIN, 200), (HostRole.HOST, 403),
])
def test_who_sets_another_hosts_defaults(api, tenant, make_host, role, status, snapshot):
    colleague = make_host(tenant["company"], HostRole.HOST)
    token, host_name = tenant["tokens"][role]
    before = snapshot()
    answer = api("host/update", host_name, token, host_id=colleague["id"],
                 meeting_defaults={"language": "fr"})
    assert answer.status_code == status, answer.json
    if status != 200:
        assert snapshot() == before


def test_mail_goes_out_under_the_resellers_sender_name(api, app, tenant):
    as_reseller(api, tenant, "reseller/update", mail_sender_name="Acme Meetings, Inc.")
    token, host_name = tenant["tokens"][HostRole.COMPANY_ADMIN]
    answer = api("host/create", host_name, token, company_id=tenant["company"]["id"],
                 name="Ann Host", email="ann@example.test")
    assert answer.status_code == 200, answer.json
    with app.app_context():
        [job] = db.session.execute(  # the mail's (events.written jobs are the webhooks')
            sa.select(Job).where(Job.kind != EVENT_WRITTEN)).scalars().all()
    domain = tenant["reseller"]["domain"]
    assert job.payload["from"] == f'"Acme Meetings, Inc." <no-reply@{domain}>'
