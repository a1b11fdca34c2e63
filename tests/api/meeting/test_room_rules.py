"""A room's rules (attendee PIN, mute mode), the company's meeting defaults,
and resuming a place in a meeting with the last join token."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import sqlalchemy as sa

from app.core.security import join_token_keys
from app.extensions import db
from app.modules.access import HostRole
from app.modules.meetings.models import MeetingSession, Participant
from app.protocol.join_token import Role, sign, verify

MEETING_PIN = "246813"
MODERATOR_PIN = "4321"


@pytest.fixture
def room(make_reseller, make_company, make_host, token_for, beat, api) -> dict[str, Any]:
    reseller = make_reseller()
    company = make_company(reseller)
    host = make_host(company, moderator_pin=MODERATOR_PIN)
    beat("node-a")
    room = {"reseller": reseller, "company": company, "host": host,
            "host_name": company["host_name"], "admin_name": reseller["admin_company"][
                "host_name"], "admin_token": token_for(reseller["admin"])}
    set_rules(api, room, host, security_pin=MEETING_PIN)
    return room


def set_rules(api, room: dict[str, Any], host: dict[str, Any], **rules: Any) -> Any:
    answer = api("room/update", room["admin_name"], room["admin_token"], host_id=host["id"],
                 **rules)
    assert answer.status_code == 200, answer.json
    return answer.json


def claims(ticket: dict[str, Any]) -> dict[str, Any]:
    return dict(jwt.decode(ticket["token"], options={"verify_signature": False}))


# --- the host's room rules through the enterprise_api ---------------------------------

def test_room_update_sets_and_clears_the_pin_and_mute_mode(api, room):
    token, host_id, name = room["admin_token"], room["host"]["id"], room["admin_name"]
    answer = api("room/update", name, token, host_id=host_id, security_pin=135790,
                 mute_mode="q&a")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"host_id": host_id, "security_pin": "135790", "mute_mode": "qa",
                           "meeting_url": answer.json["meeting_url"]}
    assert answer.json["meeting_url"].endswith(f"/conf/call/{room['host']['access_code']}")
    answer = api("room/get", name, token, host_id=host_id)
    assert (answer.json["security_pin"], answer.json["mute_mode"]) == ("135790", "qa")
    answer = api("room/update", name, token, host_id=host_id, security_pin=None,
                 mute_mode=None)
    assert (answer.json["security_pin"], answer.json["mute_mode"]) == (None, None)


def test_a_room_never_used_shows_the_defaults_without_being_made(api, room, make_host,
                                                                   snapshot):
    fresh = make_host(room["company"])
    before = snapshot()
    answer = api("room/get", room["admin_name"], room["admin_token"], host_id=fresh["id"])
    assert (answer.json["security_pin"], answer.json["mute_mode"]) == (None, None)
    assert snapshot() == before


@pytest.mark.parametrize(("who", "whose", "status"), [
    ("the host", "own", 200),
    ("the host", "a colleague's", 403),
    ("company admin", "own company's host", 200),
    ("company admin", "another company's host", 404),
])
def test_who_may_change_a_rooms_rules(api, room, make_company, make_host, token_for,
                                      snapshot, who, whose, status):
    actor = room["host"] if who == "the host" else make_host(room["company"],
                                                              HostRole.COMPANY_ADMIN)
    target = {"own": room["host"], "a colleague's": make_host(room["company"]),
              "own company's host": room["host"],
              "another company's host": make_host(make_company(room["reseller"]))}[whose]
    token = token_for(actor)
    before = snapshot()
    answer = api("room/update", room["host_name"], token, host_id=target["id"],
                 mute_mode="presentation")
    assert answer.status_code == status, answer.json
    if status != 200:
        assert snapshot() == before


@pytest.mark.parametrize(("field", "value"), [
    ("security_pin", "12"), ("security_pin", "12ab"), ("security_pin", True),
    ("mute_mode", "silence"), ("mute_mode", 3), ("moderator_pin", "1234"),
])
def test_bad_room_rules_are_422_and_change_nothing(api, room, snapshot, field, value):
    before = snapshot()
    answer = api("room/update", room["admin_name"], room["admin_token"],
                 host_id=room["host"]["id"], **{field: value})
    assert answer.status_code == 422 and field in answer.json["errors"]
    assert snapshot() == before


# --- the attendee PIN ---------------------------------------------------------------

@pytest.mark.parametrize(("case", "status", "role"), [
    ("no pin", 401, None),
    ("wrong pin", 403, None),
    ("right pin", 200, "attendee"),
    ("moderator pin instead", 200, "moderator"),
    ("wrong moderator pin", 403, None),
    ("the host, logged in", 200, "moderator"),
])
def test_the_meeting_pin_table(room, join, token_for, snapshot, case, status, role):
    body: dict[str, Any] = {"display_name": "Ann"}
    token = None
    if case == "wrong pin":
        body["security_pin"] = "0000"
    elif case == "right pin":
        body["security_pin"] = MEETING_PIN
    elif case == "moderator pin instead":
        body["moderator_pin"] = MODERATOR_PIN
    elif case == "wrong moderator pin":
        body["moderator_pin"], body["security_pin"] = "0000", MEETING_PIN
    elif case == "the host, logged in":
        token = token_for(room["host"])
    before = snapshot()
    answer = join(room, token=token, **body)
    assert answer.status_code == status, answer.json
    if role is None:
        assert answer.json["message"] and snapshot() == before
    else:
        assert answer.json["role"] == role


def test_wrong_pins_are_rate_limited_per_address_and_room(room, join, make_host, settings,
                                                          api):
    limit = int(settings.ratelimit_meeting_pin.split()[0])
    for _ in range(limit):
        assert join(room, display_name="M", security_pin="0000").status_code == 403
    assert join(room, display_name="M", security_pin=MEETING_PIN).status_code == 429
    other = dict(room, host=make_host(room["company"]))
    set_rules(api, room, other["host"], security_pin=MEETING_PIN)
    assert join(other, display_name="M", security_pin=MEETING_PIN).status_code == 200


def test_right_pins_and_open_rooms_are_not_counted(room, join, settings):
    limit = int(settings.ratelimit_meeting_pin.split()[0])
    for _ in range(limit + 2):
        assert join(room, display_name="A", security_pin=MEETING_PIN).status_code == 200


# --- mute mode: room, host, company ---------------------------------------------------

def test_the_session_takes_the_rooms_mute_mode_and_tokens_carry_it(room, join, make_host,
                                                                     api):
    assert claims(join(room, display_name="A", security_pin=MEETING_PIN).json)["mute"] == \
        "conversation"
    company = room["company"]
    api("company/update", room["admin_name"], room["admin_token"],
        company_id=company["id"], meeting_defaults={"mute_mode": "presentation"})
    plain = dict(room, host=make_host(company))
    assert claims(join(plain, display_name="B").json)["mute"] == "presentation"
    own = dict(room, host=make_host(company))
    set_rules(api, room, own["host"], mute_mode="qa")
    assert claims(join(own, display_name="C").json)["mute"] == "qa"


def test_mute_mode_commands_are_checked_before_any_node_is_asked(room, join, client, snapshot):
    moderator = join(room, display_name="M", moderator_pin=MODERATOR_PIN).json
    attendee = join(room, display_name="A", security_pin=MEETING_PIN).json
    headers = {"Host": room["host_name"], "Authorization": f"Bearer {moderator['token']}"}
    url = f"/api/v1/sessions/{moderator['session_id']}"
    before = snapshot()
    answer = client.post(f"{url}/mute_mode", json={"mode": "silence"}, headers=headers)
    assert answer.status_code == 422 and "mode" in answer.json["errors"]
    answer = client.post(f"{url}/allow_speak", json={"participant_id":
                                                      attendee["participant_id"]},
                         headers=headers)
    assert answer.status_code == 409, answer.json  # conversation mode: nobody needs leave
    assert snapshot() == before


# --- resuming with the last join token --------------------------------------------------

def test_rejoining_resumes_the_same_participant_without_pins(room, join):
    first = join(room, display_name="Mod", moderator_pin=MODERATOR_PIN).json
    again = join(room, rejoin_token=first["token"])
    assert again.status_code == 200, again.json
    assert (again.json["session_id"], again.json["participant_id"], again.json["role"]) == \
        (first["session_id"], first["participant_id"], "moderator")
    assert claims(again.json)["name"] == "Mod"
    assert again.json["token"] != first["token"]


def test_only_a_participant_who_was_in_resumes_past_a_lock(app, room, join):
    """The node lets a resuming participant into a locked session on the
    web's word, which it gives only once the node reported them joined."""
    first = join(room, display_name="Ann", security_pin=MEETING_PIN).json
    never_in = claims(join(room, rejoin_token=first["token"]).json)
    assert never_in["ext"]["resume"] == "0"
    with app.app_context():
        db.session.execute(sa.update(Participant).values(joined_at=sa.func.now()))
        db.session.commit()
    assert claims(join(room, rejoin_token=first["token"]).json)["ext"]["resume"] == "1"
    assert claims(join(room, display_name="Bob", security_pin=MEETING_PIN).json)["ext"][
        "resume"] == "0"


def _aged_token(app, ticket: dict[str, Any], age_seconds: float) -> str:
    settings = app.config["SETTINGS"]
    private, public = join_token_keys(settings.secret_key, settings.join_token_private_key)
    grant = verify(ticket["token"], public)
    return sign(grant, private, ttl_seconds=120, now=time.time() - age_seconds)


@pytest.mark.parametrize(("case", "status"), [
    ("expired a while ago", 200),
    ("expired too long ago", 401),
    ("garbage", 401),
    ("another room's token", 404),
    ("the meeting ended", 410),
    ("a moderator removed them", 403),
    ("with a display name too", 200),
])
def test_rejoin_table(app, room, join, make_host, case, status):
    ticket = join(room, display_name="Ann", security_pin=MEETING_PIN).json
    token = ticket["token"]
    if case == "expired a while ago":
        token = _aged_token(app, ticket, 600)
    elif case == "expired too long ago":
        token = _aged_token(app, ticket, 3600)
    elif case == "garbage":
        token = "nope"
    elif case == "another room's token":
        token = join(dict(room, host=make_host(room["company"])), display_name="B").json["token"]
    elif case in ("the meeting ended", "a moderator removed them"):
        with app.app_context():
            if case == "the meeting ended":
                db.session.execute(sa.update(MeetingSession).values(ended_at=sa.func.now()))
            else:
                db.session.execute(sa.update(Participant).values(removed_at=sa.func.now()))
            db.session.commit()
    body = {"rejoin_token": token}
    if case == "with a display name too":
        body["display_name"] = "Ignored"
    answer = join(room, **body)
    assert answer.status_code == status, answer.json
    if status == 200:
        assert answer.json["participant_id"] == ticket["participant_id"]
        assert Role(answer.json["role"]) is Role.ATTENDEE


# --- the company's meeting defaults and the page -------------------------------------

def test_company_meeting_defaults_are_validated_and_shown(api, room, snapshot, make_host,
                                                          token_for):
    admin = make_host(room["company"], HostRole.COMPANY_ADMIN)
    token, name = token_for(admin), room["host_name"]
    defaults = {"hidden_controls": ["chat", "screen"], "language": "de", "mute_mode": "qa",
                "after_call_url": "https://shop.example/thanks"}
    answer = api("company/update", name, token, company_id=room["company"]["id"],
                 meeting_defaults=defaults)
    assert answer.status_code == 200, answer.json
    assert answer.json["meeting_defaults"] == defaults
    before = snapshot()
    for bad in ({"hidden_controls": ["self-destruct"]}, {"language": "tlh"},
                {"after_call_url": "javascript:alert(1)"}, {"mute_mode": "loud"},
                {"colour": "red"}):
        answer = api("company/update", name, token, company_id=room["company"]["id"],
                     meeting_defaults=bad)
        assert answer.status_code == 422, (bad, answer.json)
    assert snapshot() == before


def test_the_page_resolves_company_defaults_and_url_parameters(api, room, client):
    api("company/update", room["admin_name"], room["admin_token"],
        company_id=room["company"]["id"],
        meeting_defaults={"hidden_controls": ["chat"], "language": "de",
                          "after_call_url": "https://shop.example/thanks"})
    url = f"/conf/call/{room['host']['access_code']}"
    page = client.get(url + "?hide=screen,bogus&lang=xx&layout=strip&color=%23ff8800",
                      headers={"Host": room["host_name"]})
    html = page.get_data(as_text=True)
    assert '<html lang="de">' in html  # a bad lang falls back to the company's
    assert 'class="strip hide-screen hide-chat"' in html
    assert "--brand: #ff8800" in html
    assert '"after_call_url": "https://shop.example/thanks"' in html
    assert '"pin_required": true' in html and 'id="security-pin"' in html
    page = client.get(url + "?lang=fr&hide=", headers={"Host": room["host_name"]})
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html and 'class=" hide-chat"' in html  # never un-hidden
