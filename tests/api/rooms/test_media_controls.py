"""The rooms API's media controls (recording, snapshots, broadcasts, layout,
layers, playbacks) as Eyeson's document (001) lists their answers: each
endpoint valid, with an unknown or another company's key, on a shut-down
meeting (410), with its feature turned off (405) and with bad input (400);
and what reaches the meeting's egress (a real control server on loopback
that checks signatures as an egress does)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from app.api.rooms.layout import arrangement
from app.core.db import utcnow
from app.extensions import db, settings
from app.modules.meetings.models import MeetingSession, Participant
from app.modules.outputs.models import SessionOutput
from app.modules.recordings.models import Recording, RecordingState
from app.protocol import egress_api
from app.protocol.egress_api import LayerSpec, Layout, OutputKind, OutputState
from app.storage import storage_for
from tests.modules.outputs.conftest import egress_beat, egress_events, fake_egress  # noqa: F401

MEDIA = b"\x00\x00\x00\x18ftypisom" + b"m" * 100
JPEG = b"\xff\xd8\xff" + b"j" * 100
INGEST = "rtmp://ingest.example.test/live/stream-key"
FILE = "https://files.example.test/clip.mp4"
IMAGE = "https://files.example.test/overlay.png"


@pytest.fixture
def egress(fake_egress, egress_beat):  # noqa: F811
    """A live egress whose control API accepts every command."""
    egress_beat(fake_egress.egress_id, control_url=fake_egress.control_url)
    return fake_egress


def start(rooms_api, team, room_id: str, user: str, **options: Any) -> str:
    answer = rooms_api("POST", "/rooms", team, id=room_id, user={"id": user, "name": user},
                       options=options)
    assert answer.status_code == 201, answer.json
    return str(answer.json["access_key"])


@pytest.fixture
def meeting(team, rooms_api, egress) -> dict[str, Any]:
    """Ann's running meeting (Bob in it too), a meeting with every gated
    feature off, and another company's meeting."""
    return {"key": start(rooms_api, team, "studio", "ann"),
            "bob": start(rooms_api, team, "studio", "bob"),
            "gated": start(rooms_api, team, "bare", "cal", recording_available=False,
                           broadcast_available=False, layout_available=False)}


@pytest.fixture
def other_key(make_reseller, make_company, make_api_key, rooms_api) -> str:
    """An access key of another company's meeting."""
    company = make_company(make_reseller())
    return start(rooms_api, {**company, "api_key": make_api_key(company)}, "studio", "eve")


ACCESS_KEY_CALLS = [  # (method, path, valid params, bad params or None, gate or None)
    ("POST", "/recording", {}, None, "recording"),
    ("DELETE", "/recording", {}, None, None),
    ("POST", "/snapshot", {}, None, None),
    ("POST", "/broadcasts", {"stream_url": INGEST}, {"stream_url": "http://x.test/a/b"},
     "broadcast"),
    ("PUT", "/broadcasts/generic", {"player_url": "https://watch.test/1"},
     {"player_url": "not a url"}, None),
    ("DELETE", "/broadcasts", {}, None, None),
    ("POST", "/layout", {"users": ["ann"]}, {"layout": "mosaic"}, "layout"),
    ("POST", "/layers", {"url": IMAGE}, {"url": IMAGE, "z-index": 5}, None),
    ("DELETE", "/layers/1", {}, None, None),
    ("POST", "/playbacks", {"playback": {"url": FILE, "play_id": "p"}},
     {"playback": {"play_id": "no-url"}}, None),
    ("DELETE", "/playbacks/p", {}, None, None),
]
IDS = [f"{method} {path}" for method, path, *_ in ACCESS_KEY_CALLS]


def call(rooms_api, team, key: str, method: str, path: str, params: dict[str, Any]) -> Any:
    return rooms_api(method, f"/rooms/{key}{path}", team, key=None, **params)


def assert_error(answer: Any, status: int) -> None:
    assert answer.status_code == status, (answer.status_code, answer.data)
    assert isinstance(answer.json["error"], str) and answer.json["error"]


@pytest.mark.parametrize("method, path, params, bad, gate", ACCESS_KEY_CALLS, ids=IDS)
def test_an_unknown_or_another_companys_access_key_is_404(team, rooms_api, meeting, other_key,
                                                          method, path, params, bad, gate):
    for key in ("no-such-key", other_key):
        assert_error(call(rooms_api, team, key, method, path, params), 404)


@pytest.mark.parametrize("method, path, params, bad, gate", ACCESS_KEY_CALLS, ids=IDS)
def test_a_shut_down_meeting_is_410(app, team, rooms_api, meeting, method, path, params, bad,
                                    gate):
    with app.app_context():
        db.session.execute(sa.update(MeetingSession).values(ended_at=utcnow()))
        db.session.commit()
    assert_error(call(rooms_api, team, meeting["key"], method, path, params), 410)


@pytest.mark.parametrize("method, path, params, bad, gate",
                         [c for c in ACCESS_KEY_CALLS if c[4]], ids=[i for i, c in
                                                                  zip(IDS, ACCESS_KEY_CALLS,
                                                                      strict=True) if c[4]])
def test_a_feature_turned_off_is_405_and_starts_nothing(app, team, rooms_api, meeting, egress,
                                                        method, path, params, bad, gate):
    assert_error(call(rooms_api, team, meeting["gated"], method, path, params), 405)
    assert egress.received() == []


@pytest.mark.parametrize("method, path, params, bad, gate",
                         [c for c in ACCESS_KEY_CALLS if c[3]], ids=[i for i, c in
                                                                  zip(IDS, ACCESS_KEY_CALLS,
                                                                      strict=True) if c[3]])
def test_bad_input_is_400_and_changes_nothing(app, team, rooms_api, meeting, egress, snapshot,
                                              method, path, params, bad, gate):
    before = snapshot()
    assert_error(call(rooms_api, team, meeting["key"], method, path, bad), 400)
    assert snapshot() == before
    assert egress.received() == []


def test_every_call_succeeds_in_order_with_its_documented_status(team, rooms_api, meeting):
    for method, path, params, _, _ in ACCESS_KEY_CALLS:
        answer = call(rooms_api, team, meeting["key"], method, path, params)
        expected = 201 if method == "POST" and path != "/layout" else 200
        assert answer.status_code == expected, (method, path, answer.data)


# -- recording -----------------------------------------------------------------------------


def ready(app, recording_id: str) -> None:
    """The recording as the worker leaves it once assembled and published."""
    with app.app_context():
        recording = db.session.execute(sa.select(Recording).where(
            Recording.public_id == recording_id)).scalar_one()
        recording.state, recording.ended_at = RecordingState.PUBLISHED, utcnow()
        recording.media_key = f"{recording.storage_prefix}/recording.mp4"
        recording.duration_seconds = 61.4
        storage_for(settings()).put_bytes(recording.media_key, MEDIA, "video/mp4")
        db.session.commit()


def test_a_recording_starts_once_stops_and_is_fetched_with_a_fresh_link(
        app, client, team, rooms_api, meeting, egress, egress_events):  # noqa: F811
    key = meeting["key"]
    assert call(rooms_api, team, key, "POST", "/recording", {}).status_code == 201
    [started] = egress.received()
    assert isinstance(started, egress_api.StartOutputs)
    assert [spec.kind for spec in started.outputs] == [OutputKind.RECORDING]
    assert_error(call(rooms_api, team, key, "POST", "/recording", {}), 406)
    recording = rooms_api("GET", f"/rooms/{key}", team, key=None).json["recording"]
    assert recording["user"]["id"] == "ann" and recording["room"]["id"] == "studio"
    assert recording["duration"] is None and recording["links"]["download"] is None

    assert call(rooms_api, team, key, "DELETE", "/recording", {}).status_code == 200
    assert isinstance(egress.received()[-1], egress_api.StopOutput)
    output = _output(app, OutputKind.RECORDING)
    egress_events(egress.egress_id, egress_api.OutputEvent(
        session_id=started.session_id, output_id=output.public_id, kind=OutputKind.RECORDING,
        state=OutputState.STOPPED, at=time.time()))
    assert_error(call(rooms_api, team, key, "DELETE", "/recording", {}), 404)  # none runs
    ready(app, recording["id"])

    document = rooms_api("GET", f"/recordings/{recording['id']}", team).json
    assert list(document) == ["id", "created_at", "duration", "links", "user", "room"]
    assert isinstance(document["created_at"], int) and document["duration"] == 61
    assert document["links"]["self"].endswith(f"/api/rooms/v1/recordings/{recording['id']}")
    assert document["user"]["id"] == "ann" and document["room"]["id"] == "studio"
    download = document["links"]["download"]
    assert f"://{team['host_name']}/files/" in download
    path = download.split(team["host_name"], 1)[1]
    assert client.get(path, headers={"Host": team["host_name"]}).data == MEDIA

    assert rooms_api("DELETE", f"/recordings/{recording['id']}", team).status_code == 200
    assert_error(rooms_api("GET", f"/recordings/{recording['id']}", team), 404)


def _output(app, kind: OutputKind) -> SessionOutput:
    with app.app_context():
        output = db.session.execute(sa.select(SessionOutput).where(
            SessionOutput.kind == kind).order_by(SessionOutput.id.desc())).scalars().first()
        assert output is not None
        db.session.expunge_all()
        return output


# -- snapshots -----------------------------------------------------------------------------


def test_a_snapshot_is_listed_once_stored_and_fetched_and_deleted_with_the_api_key(
        app, client, team, rooms_api, meeting, egress, egress_events):  # noqa: F811
    key = meeting["bob"]
    assert call(rooms_api, team, key, "POST", "/snapshot", {}).status_code == 201
    output = _output(app, OutputKind.SNAPSHOT)
    assert rooms_api("GET", f"/rooms/{key}", team, key=None).json["snapshots"] == []
    with app.app_context():
        storage_for(settings()).put_bytes(output.storage_prefix + ".jpg", JPEG, "image/jpeg")
    egress_events(egress.egress_id, egress_api.OutputEvent(
        session_id="s", output_id=output.public_id, kind=OutputKind.SNAPSHOT,
        state=OutputState.STOPPED, at=time.time(), details={"key": "k"}))

    [listed] = rooms_api("GET", f"/rooms/{key}", team, key=None).json["snapshots"]
    document = rooms_api("GET", f"/snapshots/{output.public_id}", team).json
    assert {**listed, "links": None} == {**document, "links": None}  # (links: a new expiry)
    assert list(document) == ["id", "name", "links", "creator", "created_at", "room"]
    assert document["creator"]["id"] == "bob" and document["room"]["id"] == "studio"
    assert document["name"].isdigit() and document["created_at"].endswith("Z")
    path = document["links"]["download"].split(team["host_name"], 1)[1]
    assert client.get(path, headers={"Host": team["host_name"]}).data == JPEG

    assert rooms_api("DELETE", f"/snapshots/{output.public_id}", team).status_code == 200
    assert_error(rooms_api("GET", f"/snapshots/{output.public_id}", team), 404)
    assert client.get(path, headers={"Host": team["host_name"]}).status_code == 404


# -- broadcasts ----------------------------------------------------------------------------


def test_a_broadcast_starts_gets_a_player_url_and_stops(app, team, rooms_api, meeting, egress):
    key = meeting["key"]
    answer = call(rooms_api, team, key, "POST", "/broadcasts",
                  {"stream_url": INGEST, "player_url": "https://watch.test/1"})
    assert answer.status_code == 201
    assert answer.json["platform"] == "generic" and answer.json["player_url"] == \
        "https://watch.test/1" and answer.json["user"]["id"] == "ann"
    [started] = egress.received()
    assert isinstance(started, egress_api.StartOutputs)
    assert started.outputs[0].kind is OutputKind.RTMP and started.outputs[0].rtmp_url == INGEST
    assert_error(call(rooms_api, team, key, "POST", "/broadcasts", {"stream_url": INGEST}), 406)

    answer = call(rooms_api, team, key, "PUT", "/broadcasts/generic",
                  {"player_url": "https://watch.test/2"})
    assert answer.status_code == 200 and answer.json["player_url"] == "https://watch.test/2"
    [listed] = rooms_api("GET", f"/rooms/{key}", team, key=None).json["broadcasts"]
    assert listed["player_url"] == "https://watch.test/2"
    assert_error(call(rooms_api, team, key, "DELETE", "/broadcasts/youtube", {}), 404)
    assert call(rooms_api, team, key, "DELETE", "/broadcasts/generic", {}).status_code == 200
    assert isinstance(egress.received()[-1], egress_api.StopOutput)


def test_nothing_to_update_or_stop_is_404(team, rooms_api, meeting):
    for method, path, params in (("PUT", "/broadcasts/generic", {"player_url": "https://watch.test/3"}),
                                 ("DELETE", "/broadcasts", {}), ("DELETE", "/recording", {}),
                                 ("DELETE", "/playbacks/none", {}),
                                 ("DELETE", "/layers/2", {})):
        assert_error(call(rooms_api, team, meeting["key"], method, path, params), 404)


# -- layout, layers, playbacks -------------------------------------------------------------


def participant_id(app, user: str) -> str:
    with app.app_context():
        return str(db.session.execute(sa.select(Participant.public_id).where(
            Participant.external_user_id == user)).scalar_one())


def test_layout_layers_and_playbacks_wait_for_an_egress_then_go_to_it(app, team, rooms_api,
                                                                      meeting, egress):
    key, ann, bob = meeting["key"], participant_id(app, "ann"), participant_id(app, "bob")
    # No output runs: kept with the session ...
    answer = rooms_api("POST", f"/rooms/{key}/layout", team, key=None, as_="form",
                       **{"users[]": ["bob", "", "ann"], "layout": "custom",
                          "show_names": "false"})
    assert answer.status_code == 200, answer.json
    assert call(rooms_api, team, key, "POST", "/layers", {"url": IMAGE}).status_code == 201
    answer = call(rooms_api, team, key, "POST", "/playbacks", {"playback": {
        "url": FILE, "replacement_id": "ann", "audio": True}})
    assert answer.status_code == 201 and answer.json["url"] == FILE
    play_id = answer.json["play_id"]
    assert egress.received() == []
    # ... and the egress that starts gets them.
    assert call(rooms_api, team, key, "POST", "/snapshot", {}).status_code == 201
    [started] = egress.received()
    assert isinstance(started, egress_api.StartOutputs)
    assert started.layout is Layout.GRID
    assert (started.arrangement.users, started.arrangement.fill, started.arrangement.slots,
            started.arrangement.show_names) == ([bob, "", ann], False, 4, False)
    assert started.layers == [LayerSpec(z_index=1, image_url=IMAGE)]
    [playback] = started.playbacks
    assert (playback.play_id, playback.replacement_id, playback.audio) == (play_id, ann, True)
    assert [p["play_id"] for p in rooms_api("GET", f"/rooms/{key}", team,
                                            key=None).json["playbacks"]] == [play_id]

    # While it runs, each change is sent to it at once.
    assert call(rooms_api, team, key, "POST", "/layers", {
        "insert": {"title": "Hi", "content": "there"}, "z-index": -1}).status_code == 201
    assert call(rooms_api, team, key, "DELETE", "/layers/1", {}).status_code == 200
    assert call(rooms_api, team, key, "POST", "/layout", {"name": "present-lower-3",
                                                          "users": ["bob"]}).status_code == 200
    assert call(rooms_api, team, key, "DELETE", f"/playbacks/{play_id}", {}).status_code == 200
    sent = egress.received()[1:]
    assert [type(c) for c in sent] == [egress_api.SetLayer, egress_api.ClearLayer,
                                       egress_api.SetLayout, egress_api.StopPlayback]
    assert sent[0].layer == LayerSpec(z_index=-1, title="Hi", content="there")
    assert (sent[2].layout, sent[2].focus_participant_id, sent[2].arrangement.slots) == (
        Layout.SPEAKER, bob, 4)
    assert_error(call(rooms_api, team, key, "DELETE", f"/playbacks/{play_id}", {}), 404)


def test_a_file_the_egress_cannot_use_is_400_and_not_kept(app, team, rooms_api, meeting,
                                                          egress):
    key = meeting["key"]
    assert call(rooms_api, team, key, "POST", "/snapshot", {}).status_code == 201
    egress.answer = "refuse"
    assert_error(call(rooms_api, team, key, "POST", "/layers", {"url": IMAGE}), 400)
    assert_error(call(rooms_api, team, key, "POST", "/playbacks",
                      {"playback": {"url": FILE, "play_id": "x"}}), 400)
    assert rooms_api("GET", f"/rooms/{key}", team, key=None).json["playbacks"] == []


@pytest.mark.parametrize("params, expected", [
    ({}, (Layout.GRID, "", [], True, 0)),
    ({"layout": "auto", "users": ["a", "b"]}, (Layout.GRID, "", ["a", "b"], True, 0)),
    ({"layout": "custom", "users": ["a", "", "b"]}, (Layout.GRID, "", ["a", "", "b"], False, 4)),
    ({"name": "nine"}, (Layout.GRID, "", [], True, 9)),
    ({"name": "present-upper-6", "users": ["a"]}, (Layout.SPEAKER, "a", ["a"], True, 7)),
])
def test_eyesons_layout_parameters_map_onto_the_egress_arrangement(params, expected):
    arranged = arrangement(params)
    assert (arranged.layout, arranged.focus, arranged.spec.users, arranged.spec.fill,
            arranged.spec.slots) == expected


@pytest.mark.parametrize("as_, positions", [
    ("json", [[0, 0, 640, 360], [640, 0, 640, 360, "cover"]]),
    ("form", "[[0, 0, 640, 360], [640, 0, 640, 360.0, \"cover\"]]"),
])
def test_a_layout_map_gives_the_positions_themselves(app, team, rooms_api, meeting, egress,
                                                     as_, positions):
    key = meeting["key"]
    assert call(rooms_api, team, key, "POST", "/snapshot", {}).status_code == 201
    answer = rooms_api("POST", f"/rooms/{key}/layout", team, key=None, as_=as_,
                       layout="custom", map=positions, **{"users[]" if as_ == "form"
                                                           else "users": ["bob"]})
    assert answer.status_code == 200, answer.json
    sent = egress.received()[-1]
    assert isinstance(sent, egress_api.SetLayout)
    assert sent.arrangement.boxes == [[0, 0, 640, 360], [640, 0, 640, 360]]
    assert sent.arrangement.users == [participant_id(app, "bob")]
    for bad in ("not json", [], [[0, 0, 640]], [[0, 0, -5, 10]], [[0, 0, 1, "x"]]):
        assert_error(rooms_api("POST", f"/rooms/{key}/layout", team, key=None, map=bad), 400)


# -- the API key's calls -------------------------------------------------------------------


API_KEY_CALLS = [("GET", "/recordings/{id}"), ("DELETE", "/recordings/{id}"),
                 ("GET", "/snapshots/{id}"), ("DELETE", "/snapshots/{id}")]


@pytest.mark.parametrize("method, path", API_KEY_CALLS)
def test_recordings_and_snapshots_need_this_companys_api_key(
        app, team, rooms_api, meeting, make_reseller, make_company, make_api_key, method, path,
        egress, egress_events):  # noqa: F811
    assert call(rooms_api, team, meeting["key"], "POST", "/recording", {}).status_code == 201
    assert call(rooms_api, team, meeting["key"], "POST", "/snapshot", {}).status_code == 201
    recording, snapshot = _output(app, OutputKind.RECORDING), _output(app, OutputKind.SNAPSHOT)
    egress_events(egress.egress_id, egress_api.OutputEvent(
        session_id="s", output_id=snapshot.public_id, kind=OutputKind.SNAPSHOT,
        state=OutputState.STOPPED, at=time.time()))
    with app.app_context():
        recording_id = db.session.get_one(Recording, recording.recording_id).public_id
    ready(app, recording_id)
    target = path.format(id=recording_id if "recordings" in path else snapshot.public_id)
    other = make_company(make_reseller())
    other_team = {**other, "api_key": make_api_key(other)}
    for key in (None, "wrong-key", other_team["api_key"]):
        assert_error(rooms_api(method, target, team, key=key), 403)
    assert_error(rooms_api(method, target, other_team), 404)  # another company's object
    assert_error(rooms_api(method, path.format(id="unknown"), team), 404)
    assert rooms_api(method, target, team).status_code == 200
