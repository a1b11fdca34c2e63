"""The rooms API, endpoint by endpoint, as Eyeson's documents (001, and 003
where they differ) list its answers: valid calls, the API key missing, wrong
or another company's, unknown and foreign ids, a shut-down meeting (410),
features turned off (405, or 403 for lock and kick), bad input (400 with a
JSON message and nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.api.rooms.guest_tokens import guest_token
from app.extensions import db
from app.modules.events.models import Event
from app.modules.meetings.models import MeetingSession, Participant, Room
from app.protocol.join_token import Role

API_KEY_CALLS = [("POST", "/rooms", {"user": {"name": "Jane"}}), ("GET", "/rooms", {}),
                 ("DELETE", "/rooms/{room_id}", {})]
ACCESS_KEY_CALLS = [
    ("GET", "/rooms/{key}", {}), ("DELETE", "/rooms/{key}", {}),
    ("GET", "/rooms/{key}/users", {}), ("GET", "/rooms/{key}/users/jane", {}),
    ("POST", "/rooms/{key}/lock", {}), ("DELETE", "/rooms/{key}/users/bob", {}),
    ("POST", "/rooms/{key}/messages", {"type": "chat", "content": "hi"}),
]


@pytest.fixture
def meeting(team, rooms_api) -> dict[str, Any]:
    """A running meeting: Jane started it, Bob joined by the same room id."""
    jane = rooms_api("POST", "/rooms", team, id="standup", name="Stand-up",
                     user={"id": "jane", "name": "Jane"},
                     options={"lock_available": True})
    assert jane.status_code == 201, jane.json
    bob = rooms_api("POST", "/rooms", team, id="standup", user={"id": "bob", "name": "Bob"})
    assert bob.status_code == 201, bob.json
    return {"jane": jane.json, "bob": bob.json, "key": jane.json["access_key"],
            "room_id": "standup"}


def fill(path: str, meeting: dict[str, Any], **values: str) -> str:
    return path.format(**{"key": meeting["key"], "room_id": meeting["room_id"], **values})


def assert_error(answer: Any, status: int) -> None:
    assert answer.status_code == status, (answer.status_code, answer.data)
    assert isinstance(answer.json["error"], str) and answer.json["error"]


# -- POST /rooms -------------------------------------------------------------------------


def test_start_meeting_answers_every_field_of_the_document(team, meeting):
    document = meeting["jane"]
    assert list(document) == ["access_key", "ready", "locked", "room", "team", "user", "links",
                              "options", "playbacks", "presentation", "broadcasts",
                              "recording", "snapshots", "waiting_list", "signaling"]
    assert document["room"]["id"] == "standup" and document["room"]["name"] == "Stand-up"
    assert set(document["room"]) == {"id", "name", "ready", "started_at", "shutdown",
                                     "guest_token"}
    assert document["room"]["started_at"].endswith("Z") and not document["room"]["shutdown"]
    assert document["team"] == {"name": "Company"}
    assert document["user"] == {"id": "jane", "room_id": "standup", "name": "Jane",
                                "avatar": None, "guest": False, "blocked": False,
                                "ready": True}
    host = f"://{team['host_name']}"
    key = document["access_key"]
    links = document["links"]
    assert links["self"].endswith(f"{host}/api/rooms/v1/rooms/{key}")
    assert links["gui"].endswith(f"{host}/conf/pass/{key}")
    assert links["guest_join"].endswith(
        f"{host}/api/rooms/v1/guest?guest={document['room']['guest_token']}")
    signaling = document["signaling"]["options"]
    assert signaling["endpoint"].endswith(f"/sessions/{signaling['conf_id']}/ws")
    assert signaling["auth_token"].count(".") == 2
    assert signaling["join_url"].endswith(f"{host}/api/v1/passes/{key}/join")
    assert document["playbacks"] == [] and document["recording"] is None


def test_the_second_user_joins_the_running_meeting(meeting):
    jane, bob = meeting["jane"], meeting["bob"]
    assert bob["access_key"] != jane["access_key"]
    assert bob["room"] == jane["room"]
    assert bob["signaling"]["options"]["conf_id"] == jane["signaling"]["options"]["conf_id"]


def test_users_of_post_rooms_are_moderators_with_their_own_pass(app, meeting):
    with app.app_context():
        users = db.session.execute(sa.select(Participant).order_by(Participant.id)).scalars()
        assert [(p.external_user_id, p.role, p.guest) for p in users] == [
            ("jane", Role.MODERATOR.value, False), ("bob", Role.MODERATOR.value, False)]


def test_a_users_avatar_and_custom_fields_are_kept(app, rooms_api, team):
    answer = rooms_api("POST", "/rooms", team, as_="form", **{
        "user[name]": "Ann", "user[avatar]": "https://example.test/ann.png",
        "user[custom_fields][locale]": "de"})
    assert answer.json["user"]["avatar"] == "https://example.test/ann.png"
    with app.app_context():
        ann = db.session.execute(sa.select(Participant)).scalar_one()
        assert ann.user_data == {"custom_fields": {"locale": "de"}}


def test_without_id_a_room_gets_a_random_one(rooms_api, team):
    first = rooms_api("POST", "/rooms", team, user={"name": "A"}).json["room"]["id"]
    second = rooms_api("POST", "/rooms", team, user={"name": "B"}).json["room"]["id"]
    assert len(first) == 24 and first != second


@pytest.mark.parametrize("as_", ["query", "form", "json"])
def test_parameters_come_as_query_form_or_json(app, rooms_api, team, as_):
    flat = {"id": "r1", "user[name]": "Ann", "user[id]": "ann",
            "options[widescreen]": "true", "options[show_names]": "false",
            "options[custom_fields][locale]": "de", "options[lock_available]": "1"}
    nested = {"id": "r1", "user": {"name": "Ann", "id": "ann"},
              "options": {"widescreen": True, "show_names": False,
                          "custom_fields": {"locale": "de"}, "lock_available": True}}
    answer = rooms_api("POST", "/rooms", team, as_=as_, **(nested if as_ == "json" else flat))
    assert answer.status_code == 201, answer.json
    options = answer.json["options"]
    assert (options["widescreen"], options["show_names"], options["lock_available"],
            options["custom_fields"]) == (True, False, True, {"locale": "de"})
    assert answer.json["user"]["id"] == "ann"


def test_options_have_eyesons_defaults_and_map_onto_the_room(app, rooms_api, team):
    answer = rooms_api("POST", "/rooms", team, id="d", user={"name": "A"})
    options = answer.json["options"]
    assert {k: options[k] for k in (
        "show_names", "show_label", "exit_url", "recording_available", "broadcast_available",
        "reaction_available", "layout_available", "guest_token_available", "lock_available",
        "kick_available", "sfu_mode", "widescreen", "background_color", "audio_insert",
        "custom_fields")} == {
        "show_names": True, "show_label": True, "exit_url": None, "recording_available": True,
        "broadcast_available": True, "reaction_available": True, "layout_available": True,
        "guest_token_available": True, "lock_available": False, "kick_available": True,
        "sfu_mode": "ptp", "widescreen": False, "background_color": "#121212",
        "audio_insert": "audio_only", "custom_fields": {}}
    given = {"show_label": False, "exit_url": "https://example.test/bye",
             "recording_available": False, "reaction_available": False, "widescreen": True,
             "background_color": "#202020", "sfu_mode": "disabled",
             "custom_fields": {"locale": "fr", "logo": "https://example.test/logo.png",
                               "hide_chat": True, "virtual_background": True}}
    assert rooms_api("POST", "/rooms", team, id="m", user={"name": "A"},
                     options=given).status_code == 201
    with app.app_context():
        room = db.session.execute(sa.select(Room).where(Room.external_id == "m")).scalar_one()
        assert room.namespace == "rooms"
        assert room.options == {
            "show_names": True, "show_label": False, "record": False, "reactions": False,
            "widescreen": True, "background_color": "#202020", "hide_chat": True,
            "exit_url": "https://example.test/bye", "logo_url": "https://example.test/logo.png",
            "language": "fr"}
        assert room.integration_data["options"]["sfu_mode"] == "disabled"
        assert room.integration_data["options"]["custom_fields"]["virtual_background"] is True


def test_a_running_meetings_options_stay_and_an_idle_rooms_change(app, rooms_api, team,
                                                                  meeting):
    again = rooms_api("POST", "/rooms", team, id="standup", user={"name": "C"},
                      options={"widescreen": True})
    assert again.json["options"]["widescreen"] is False  # (Eyeson: only at startup)
    assert rooms_api("DELETE", "/rooms/standup", team).status_code == 204
    later = rooms_api("POST", "/rooms", team, id="standup", user={"name": "C"},
                      options={"widescreen": True})
    assert later.json["options"]["widescreen"] is True
    assert later.json["room"]["started_at"] != meeting["jane"]["room"]["started_at"]


def test_unknown_parameters_are_ignored_as_eyeson_does(rooms_api, team):
    answer = rooms_api("POST", "/rooms", team, as_="query", **{
        "user[name]": "A", "options[cupythostom_fields][virtual_background]": "True",
        "options[layout]": "custom", "whatever": "1"})
    assert answer.status_code == 201, answer.json
    assert answer.json["options"]["layout"] == "custom"


# -- the API key -------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), API_KEY_CALLS)
@pytest.mark.parametrize("key", [None, "", "nope", "other company", "Bearer nope"])
def test_api_key_calls_refuse_a_missing_wrong_or_foreign_key(
        rooms_api, team, meeting, snapshot, make_reseller, make_company, make_api_key,
        method, path, body, key):
    if key == "other company":
        key = make_api_key(make_company(make_reseller()))
    before = snapshot()
    answer = rooms_api(method, fill(path, meeting), team, key=key, **body)
    # An access-key DELETE has no header; with a header it is the API key's force stop.
    if not key and method == "DELETE":
        assert answer.status_code == 404
    else:
        assert_error(answer, 403)
    assert snapshot() == before


def test_the_bearer_form_of_the_key_is_accepted(rooms_api, team):
    answer = rooms_api("GET", "/rooms", team, key=f"Bearer {team['api_key']}")
    assert answer.status_code == 200


def test_a_key_on_another_companys_host_name_is_refused(client, team, make_reseller,
                                                        make_company):
    other = make_company(make_reseller())
    answer = client.get("/api/rooms/v1/rooms", headers={"Host": other["host_name"],
                                                         "Authorization": team["api_key"]})
    assert_error(answer, 403)


# -- GET /rooms --------------------------------------------------------------------------


def test_list_running_meetings_25_a_page_from_page_0(rooms_api, team, meeting):
    for n in range(25):
        rooms_api("POST", "/rooms", team, id=f"room-{n:02d}", user={"name": "A"})
    first = rooms_api("GET", "/rooms", team, as_="query").json
    second = rooms_api("GET", "/rooms", team, as_="query", page="1").json
    assert len(first) == 25 and [r["id"] for r in second] == ["room-24"]
    assert first[0] == meeting["jane"]["room"]
    assert rooms_api("GET", "/rooms", team, as_="query", page="2").json == []
    rooms_api("DELETE", "/rooms/standup", team)
    assert "standup" not in [r["id"] for r in rooms_api("GET", "/rooms", team).json]


def test_list_shows_only_this_companys_meetings(rooms_api, team, meeting, make_reseller,
                                               make_company, make_api_key):
    other = make_company(make_reseller())
    other_team = {**other, "api_key": make_api_key(other)}
    assert rooms_api("GET", "/rooms", other_team).json == []


@pytest.mark.parametrize("page", ["-1", "x", "1.5"])
def test_a_bad_page_is_400(rooms_api, team, page):
    assert_error(rooms_api("GET", "/rooms", team, as_="query", page=page), 400)


# -- the access key ----------------------------------------------------------------------


def test_get_room_by_access_key_gives_a_fresh_join_token(rooms_api, team, meeting):
    answer = rooms_api("GET", f"/rooms/{meeting['key']}", team, key=None)
    assert answer.status_code == 200
    document = answer.json
    assert document["user"]["id"] == "jane" and document["access_key"] == meeting["key"]
    assert document["room"] == meeting["jane"]["room"]


@pytest.mark.parametrize(("method", "path", "body"), ACCESS_KEY_CALLS)
@pytest.mark.parametrize("case", ["unknown key", "another company's key", "shut down"])
def test_access_key_calls_refuse_unknown_foreign_and_shut_down_keys(
        rooms_api, team, meeting, snapshot, make_reseller, make_company, make_api_key,
        method, path, body, case):
    key = meeting["key"]
    if case == "unknown key":
        key = "x" * 32
    elif case == "another company's key":
        other = make_company(make_reseller())
        other_team = {**other, "api_key": make_api_key(other)}
        key = rooms_api("POST", "/rooms", other_team, user={"name": "O"}).json["access_key"]
    else:
        assert rooms_api("DELETE", f"/rooms/{key}", team, key=None).status_code == 204
    before = snapshot()
    answer = rooms_api(method, fill(path, meeting, key=key), team, key=None, **body)
    assert_error(answer, 410 if case == "shut down" else 404)
    assert snapshot() == before


def test_end_meeting_by_access_key(app, rooms_api, team, meeting):
    assert rooms_api("DELETE", f"/rooms/{meeting['key']}", team, key=None).status_code == 204
    with app.app_context():
        session = db.session.execute(sa.select(MeetingSession)).scalar_one()
        assert session.ended_at is not None
        ended = db.session.execute(sa.select(Event).where(
            Event.type == "meeting.ended")).scalar_one()
        assert ended.data["reason"] == "api"
    for user in ("jane", "bob"):
        gone = rooms_api("GET", f"/rooms/{meeting[user]['access_key']}", team, key=None)
        assert_error(gone, 410)


def test_a_meeting_ended_from_the_page_is_gone_here(client, rooms_api, team, meeting):
    """The meeting page's moderator ends it (the meeting API, with Jane's join token)."""
    signaling = meeting["jane"]["signaling"]["options"]
    answer = client.post(f"/api/v1/sessions/{signaling['conf_id']}/end", json={},
                         headers={"Host": team["host_name"],
                                  "Authorization": f"Bearer {signaling['auth_token']}"})
    assert answer.status_code == 200, answer.json
    assert_error(rooms_api("GET", f"/rooms/{meeting['key']}", team, key=None), 410)
    # ... and a new POST /rooms with the same id starts a new meeting.
    again = rooms_api("POST", "/rooms", team, id="standup", user={"name": "Jane"})
    assert again.status_code == 201
    assert again.json["signaling"]["options"]["conf_id"] != signaling["conf_id"]


# -- DELETE /rooms/<room_id> (force stop) ---------------------------------------------


def test_force_stop_by_room_id_with_the_api_key(rooms_api, team, meeting):
    assert rooms_api("DELETE", "/rooms/standup", team).status_code == 204
    assert_error(rooms_api("GET", f"/rooms/{meeting['key']}", team, key=None), 410)
    assert_error(rooms_api("DELETE", "/rooms/standup", team), 404)  # nothing runs now


def test_force_stop_of_an_unknown_or_foreign_room_is_404(rooms_api, team, meeting, snapshot,
                                                         make_reseller, make_company,
                                                         make_api_key):
    other = make_company(make_reseller())
    other_team = {**other, "api_key": make_api_key(other)}
    before = snapshot()
    assert_error(rooms_api("DELETE", "/rooms/nope", team), 404)
    assert_error(rooms_api("DELETE", "/rooms/standup", other_team), 404)
    assert snapshot() == before


# -- guests ------------------------------------------------------------------------------


def test_a_guest_joins_by_the_guest_token(app, rooms_api, team, meeting):
    token = meeting["jane"]["room"]["guest_token"]
    answer = rooms_api("POST", f"/guests/{token}", team, key=None, as_="query", name="Guest",
                       avatar="https://example.test/g.png")
    assert answer.status_code == 201, answer.json
    assert answer.json["user"]["guest"] is True
    assert answer.json["user"]["avatar"] == "https://example.test/g.png"
    assert answer.json["room"] == meeting["jane"]["room"]
    with app.app_context():
        guest = db.session.execute(sa.select(Participant).where(
            Participant.guest.is_(True))).scalar_one()
        assert guest.role == Role.GUEST.value


@pytest.mark.parametrize("case", ["forged", "another company's", "shut down", "not available",
                                  "no name", "locked"])
def test_guest_refusals(app, rooms_api, team, meeting, snapshot, make_reseller, make_company,
                        make_api_key, node_accepts, case):
    token = meeting["jane"]["room"]["guest_token"]
    status = {"forged": 404, "another company's": 404, "shut down": 410,
              "not available": 405, "no name": 400, "locked": 423}[case]
    name: dict[str, str] = {"name": "G"}
    if case == "forged":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif case == "another company's":
        other = make_company(make_reseller())
        other_team = {**other, "api_key": make_api_key(other)}
        token = rooms_api("POST", "/rooms", other_team,
                          user={"name": "O"}).json["room"]["guest_token"]
    elif case == "shut down":
        rooms_api("DELETE", f"/rooms/{meeting['key']}", team, key=None)
    elif case == "not available":
        room = rooms_api("POST", "/rooms", team, id="closed", user={"name": "A"},
                         options={"guest_token_available": False}).json
        assert room["room"]["guest_token"] is None and room["links"]["guest_join"] is None
        token = _signed_guest_token(app, "closed")  # none is shown: sign one
    elif case == "no name":
        name = {}
    elif case == "locked":
        assert rooms_api("POST", f"/rooms/{meeting['key']}/lock", team,
                         key=None).status_code == 201
    before = snapshot()
    assert_error(rooms_api("POST", f"/guests/{token}", team, key=None, **name), status)
    assert snapshot() == before


def _signed_guest_token(app, room_id: str) -> str:
    with app.app_context():
        session = db.session.execute(sa.select(MeetingSession).join(Room).where(
            Room.external_id == room_id)).scalar_one()
        return guest_token(session)


# -- lock, kick, messages ----------------------------------------------------------------


def test_lock_is_201_and_keeps_access_key_users(app, rooms_api, team, meeting, node_accepts):
    assert rooms_api("POST", f"/rooms/{meeting['key']}/lock", team, key=None,
                     as_="json").status_code == 201
    again = rooms_api("GET", f"/rooms/{meeting['key']}", team, key=None)
    assert again.status_code == 200 and again.json["locked"] is True
    with app.app_context():
        assert db.session.execute(sa.select(MeetingSession.locked)).scalar_one() is True


@pytest.mark.parametrize(("gate", "method", "path", "body"), [
    ("lock_available", "POST", "/rooms/{key}/lock", {}),
    ("kick_available", "DELETE", "/rooms/{key}/users/bob", {}),
])
def test_lock_and_kick_turned_off_are_403(rooms_api, team, snapshot, node_accepts, gate,
                                          method, path, body):
    made = rooms_api("POST", "/rooms", team, id="r", user={"id": "jane", "name": "Jane"},
                     options={gate: False}).json
    rooms_api("POST", "/rooms", team, id="r", user={"id": "bob", "name": "Bob"})
    before = snapshot()
    answer = rooms_api(method, path.format(key=made["access_key"]), team, key=None, **body)
    assert_error(answer, 403)
    assert gate in answer.json["error"]
    assert snapshot() == before


def test_lock_is_off_by_default(rooms_api, team, node_accepts):
    made = rooms_api("POST", "/rooms", team, user={"name": "Jane"}).json
    assert_error(rooms_api("POST", f"/rooms/{made['access_key']}/lock", team, key=None), 403)


def test_kick_removes_the_user_and_their_access_key(app, rooms_api, team, meeting,
                                                   node_accepts):
    answer = rooms_api("DELETE", f"/rooms/{meeting['key']}/users/bob", team, key=None)
    assert answer.status_code == 200, answer.json
    assert_error(rooms_api("GET", f"/rooms/{meeting['bob']['access_key']}", team, key=None),
                 403)
    assert_error(rooms_api("DELETE", f"/rooms/{meeting['key']}/users/bob", team, key=None),
                 404)  # gone already
    assert_error(rooms_api("DELETE", f"/rooms/{meeting['key']}/users/nobody", team, key=None),
                 404)


def test_user_details_by_the_clients_id_or_ours(rooms_api, team, meeting):
    by_id = rooms_api("GET", f"/rooms/{meeting['key']}/users/bob", team, key=None).json
    assert by_id == {"id": "bob", "name": "Bob", "avatar": None, "guest": False,
                     "joined_at": None}
    # Nobody has joined the media yet: the list of who is in is empty.
    assert rooms_api("GET", f"/rooms/{meeting['key']}/users", team, key=None).json == []


@pytest.mark.parametrize("as_", ["query", "form", "json"])
@pytest.mark.parametrize("kind", ["chat", "custom"])
def test_a_message_is_sent_and_an_event_emitted(app, rooms_api, team, meeting, node_accepts,
                                                as_, kind):
    answer = rooms_api("POST", f"/rooms/{meeting['key']}/messages", team, key=None, as_=as_,
                       type=kind, content="Hello, all")
    assert answer.status_code == 201, answer.json
    with app.app_context():
        event = db.session.execute(sa.select(Event).where(
            Event.type == "message.sent")).scalar_one()
        assert (event.data["message_type"], event.data["content"],
                event.data["display_name"]) == (kind, "Hello, all", "Jane")


# -- bad input: 400, a JSON message, nothing changed -------------------------------------


@pytest.mark.parametrize(("method", "path", "as_", "body"), [
    ("POST", "/rooms", "json", {}),
    ("POST", "/rooms", "json", {"user": {"name": ""}}),
    ("POST", "/rooms", "json", {"user": {"name": "   "}}),
    ("POST", "/rooms", "json", {"user": "Jane"}),
    ("POST", "/rooms", "json", {"user": {"name": "A", "avatar": "ftp://x/y.png"}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "id": ""}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "id": "x" * 257}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "options": {"sfu_mode": "mesh"}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "options": {"widescreen": "maybe"}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "options": {"background_color": "red"}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "options": {"exit_url": "javascript:x"}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"}, "options": {"audio_insert": "loud"}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"},
                                "options": {"custom_fields": {"locale": "xx"}}}),
    ("POST", "/rooms", "json", {"user": {"name": "A"},
                                "options": {"audio_insert_position": {"x": "left"}}}),
    ("POST", "/rooms", "form", {"user": "A", "user[name]": "B"}),
    ("POST", "/rooms", "form", {"user[name": "A"}),
    ("POST", "/rooms", "form", {"a[b][c][d][e][f][g]": "A"}),
    ("POST", "/rooms", "query", {"user[name]": "A\x00B"}),
    ("POST", "/rooms/{key}/messages", "json", {}),
    ("POST", "/rooms/{key}/messages", "json", {"type": "chat"}),
    ("POST", "/rooms/{key}/messages", "json", {"type": "shout", "content": "x"}),
    ("POST", "/rooms/{key}/messages", "json", {"type": "chat", "content": ""}),
    ("POST", "/rooms/{key}/messages", "form", {"type": "chat", "content": "x" * 4001}),
    ("POST", "/guests/{token}", "json", {"name": "G", "avatar": "not a url"}),
    ("POST", "/guests/{token}", "json", {"name": "G", "custom_fields": {"locale": "xx"}}),
])
def test_bad_input_is_400_and_changes_nothing(rooms_api, team, meeting, snapshot, method, path,
                                              as_, body):
    path = path.format(key=meeting["key"], token=meeting["jane"]["room"]["guest_token"])
    body = {k: v.replace("\\x00", "\x00") if isinstance(v, str) else v
            for k, v in body.items()}
    before = snapshot()
    assert_error(rooms_api(method, path, team, key=None if "rooms/" in path or "guests" in path
                           else "team", as_=as_, **body), 400)
    assert snapshot() == before


@pytest.mark.parametrize("raw", [b"{", b"[1]", b'"x"', rb'{"user": {"name": "A\ud800"}}'])
def test_a_malformed_json_body_is_400(client, team, snapshot, raw):
    before = snapshot()
    answer = client.post("/api/rooms/v1/rooms", data=raw, content_type="application/json",
                         headers={"Host": team["host_name"], "Authorization": team["api_key"]})
    assert_error(answer, 400)
    assert snapshot() == before


def test_an_empty_json_body_is_no_parameters(rooms_api, team, meeting, node_accepts, client):
    """Eyeson's own example locks with Content-Type: application/json and no body."""
    answer = client.post(f"/api/rooms/v1/rooms/{meeting['key']}/lock",
                         content_type="application/json", headers={"Host": team["host_name"]})
    assert answer.status_code == 201


def test_an_unknown_path_answers_in_this_dialect(client, team):
    answer = client.get("/api/rooms/v1/nothing", headers={"Host": team["host_name"]})
    assert_error(answer, 404)


# -- the guest page (links.guest_join) ---------------------------------------------------


def test_the_guest_page_asks_a_name_and_opens_the_meeting_page(client, team, meeting):
    link = meeting["jane"]["links"]["guest_join"]
    path = link.split(team["host_name"], 1)[1]
    page = client.get(path, headers={"Host": team["host_name"]})
    assert page.status_code == 200 and page.mimetype == "text/html"
    token = meeting["jane"]["room"]["guest_token"]
    assert f'value="{token}"' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    sent = client.post("/api/rooms/v1/guest", data={"guest": token, "name": "Walk-in"},
                       headers={"Host": team["host_name"]})
    assert sent.status_code == 303
    assert "/conf/pass/" in sent.headers["Location"]
    guest_id = _last_guest(client, team, sent)
    user = client.get(f"/api/rooms/v1/rooms/{meeting['key']}/users/{guest_id}",
                      headers={"Host": team["host_name"]})
    assert user.json["name"] == "Walk-in" and user.json["guest"] is True


@pytest.mark.parametrize(("case", "shown"), [("locked", "locked"), ("no name", "name"),
                                              ("bad token", "Unknown guest token")])
def test_the_guest_page_shows_why_it_cannot_let_in(client, rooms_api, team, meeting, snapshot,
                                                   node_accepts, case, shown):
    token, name = meeting["jane"]["room"]["guest_token"], "Late"
    if case == "locked":
        rooms_api("POST", f"/rooms/{meeting['key']}/lock", team, key=None)
    elif case == "no name":
        name = ""
    else:
        token = "nope"
    before = snapshot()
    page = client.post("/api/rooms/v1/guest", data={"guest": token, "name": name},
                       headers={"Host": team["host_name"]})
    assert page.status_code == 200 and shown in page.text
    assert snapshot() == before


def _last_guest(client, team, sent) -> str:
    """The guest's own id, read with the access key the page's redirect carries."""
    key = sent.headers["Location"].rsplit("/", 1)[1]
    return client.get(f"/api/rooms/v1/rooms/{key}",
                      headers={"Host": team["host_name"]}).json["user"]["id"]
