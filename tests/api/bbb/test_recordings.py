"""getRecordings, publishRecordings, deleteRecordings, updateRecordings over
recordings made by the recordings domain (tests/recordings.py) of BBB
meetings: the reference's elements in order, a ``video`` format whose URL
downloads the file while it is published, each filter, what each change
does to the list, and a table of failures that change nothing."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.modules.recordings.models import RecordingState
from tests.api.bbb import reference
from tests.api.bbb.helpers import room_and_session
from tests.api.bbb.signing import Answer, BbbCaller, company_secret
from tests.recordings import MEDIA, add_recording, stored_keys

RECORDING = ["recordID", "meetingID", "internalMeetingID", "name", "isBreakout", "published",
             "state", "startTime", "endTime", "participants", "metadata", "playback"]
FORMAT = ["type", "url", "processingTime", "length"]
NO_RECORDINGS = ["returncode", "recordings", "messageKey", "message"]


def record(app: Flask, bbb: BbbCaller, company: dict[str, Any], host: dict[str, Any],
           meeting_id: str, state: RecordingState = RecordingState.PUBLISHED,
           **params: str) -> str:
    """A recording of the BBB meeting ``meeting_id`` (created now): its recordID."""
    assert bbb.call("create", {"meetingID": meeting_id, "name": meeting_id.upper(),
                               **params}).returncode == "SUCCESS"
    room, _ = room_and_session(app, company["id"], meeting_id)
    return add_recording(app, host, room_id=room.id, state=state)


@pytest.fixture
def host(make_host: Any, bbb_company: dict[str, Any]) -> dict[str, Any]:
    return make_host(bbb_company)


@pytest.fixture
def recorded(app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any],
             host: dict[str, Any]) -> dict[str, str]:
    """cs101 and cs102, each recorded once (published), with meta."""
    return {"cs101": record(app, bbb, bbb_company, host, "cs101", meta_Term="Fall",
                            meta_Presenter="Jane"),
            "cs102": record(app, bbb, bbb_company, host, "cs102", meta_Term="Spring")}


@pytest.fixture
def other(app: Flask, client: FlaskClient, make_reseller: Any, make_company: Any,
          make_host: Any) -> dict[str, Any]:
    """Another reseller's company with its own meeting cs101, recorded."""
    company = make_company(make_reseller())
    caller = BbbCaller(client, company["host_name"], company_secret(app, company))
    recording = record(app, caller, company, make_host(company), "cs101")
    return {"caller": caller, "recording": recording}


def ids(answer: Answer) -> list[str]:
    return [r.findtext("recordID") or "" for r in answer.root.iter("recording")]


def recording_of(answer: Answer, record_id: str) -> Any:
    [found] = [r for r in answer.root.iter("recording") if r.findtext("recordID") == record_id]
    return found


def test_each_recording_has_the_reference_elements_and_a_video_format_that_downloads(
        app: Flask, client: FlaskClient, bbb: BbbCaller, bbb_company: dict[str, Any],
        recorded: dict[str, str]) -> None:
    answer = bbb.call("getRecordings", {"meetingID": "cs101"})
    assert answer.tags == ["returncode", "recordings"] and answer.returncode == "SUCCESS"
    recording = recording_of(answer, recorded["cs101"])
    assert [child.tag for child in recording] == RECORDING
    assert (recording.findtext("meetingID"), recording.findtext("name"),
            recording.findtext("published"), recording.findtext("state"),
            recording.findtext("isBreakout")) == ("cs101", "CS101", "true", "published", "false")
    assert recording.findtext("internalMeetingID").startswith(  # sha1(meetingID)-createTime
        hashlib.sha1(b"cs101").hexdigest() + "-")
    assert int(recording.findtext("endTime")) >= int(recording.findtext("startTime")) > 0
    metadata = {child.tag: child.text for child in recording.find("metadata")}
    assert metadata == {"term": "Fall", "presenter": "Jane", "isBreakout": "false",
                        "meetingName": "CS101", "meetingId": "cs101"}
    [video] = recording.find("playback")
    assert [child.tag for child in video] == FORMAT and video.findtext("type") == "video"
    url = urlsplit(video.findtext("url"))
    assert url.hostname == bbb_company["host_name"]
    download = client.get(url.path, headers={"Host": bbb_company["host_name"]})
    assert (download.status_code, download.data) == (200, MEDIA)


def test_without_a_match_the_answer_says_no_recordings(bbb: BbbCaller,
                                                     recorded: dict[str, str]) -> None:
    answer = bbb.call("getRecordings", {"meetingID": "nope"})
    assert (answer.returncode, answer.tags, answer.message_key) == (
        "SUCCESS", NO_RECORDINGS, "noRecordings")


def test_filters_meeting_ids_record_ids_and_their_prefixes_states_and_meta(
        app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any], host: dict[str, Any],
        recorded: dict[str, str], other: dict[str, Any]) -> None:
    busy = record(app, bbb, bbb_company, host, "cs103", state=RecordingState.PROCESSING)
    first, second = recorded["cs101"], recorded["cs102"]
    assert ids(bbb.call("getRecordings")) == [first, second]  # not another company's
    assert ids(bbb.call("getRecordings", {"meetingID": "cs101,cs102"})) == [first, second]
    assert ids(bbb.call("getRecordings", {"meetingID": "cs102"})) == [second]
    assert ids(bbb.call("getRecordings", {"recordID": f"{second},{first}"})) == [first, second]
    assert ids(bbb.call("getRecordings", {"recordID": first[:6], "meetingID": "cs102"})) == \
        [r for r in (first, second) if r.startswith(first[:6])]  # recordID wins
    assert ids(bbb.call("getRecordings", {"state": "processing"})) == [busy]
    assert ids(bbb.call("getRecordings", {"state": "any"})) == [first, second, busy]
    assert ids(bbb.call("getRecordings", {"state": "published,processing"})) == \
        [first, second, busy]
    assert ids(bbb.call("getRecordings", {"meta_term": "Spring"})) == [second]
    assert ids(bbb.call("getRecordings", {"meta_Term": "Fall", "meta_presenter": "Jane"})) == \
        [first]
    assert ids(bbb.call("getRecordings", {"meta_term": "Winter"})) == []


def test_unpublished_recordings_lose_their_format_and_their_links_stop_playing(
        client: FlaskClient, bbb: BbbCaller, bbb_company: dict[str, Any],
        recorded: dict[str, str]) -> None:
    first = recorded["cs101"]
    before = recording_of(bbb.call("getRecordings"), first)
    link = urlsplit(before.find("playback/format").findtext("url")).path
    answer = bbb.call("publishRecordings", {"recordID": first, "publish": "false"})
    assert (answer.tags, answer.text("published")) == (["returncode", "published"], "false")
    hidden = recording_of(bbb.call("getRecordings"), first)
    assert (hidden.findtext("published"), hidden.findtext("state")) == ("false", "unpublished")
    assert list(hidden.find("playback")) == []
    assert client.get(link, headers={"Host": bbb_company["host_name"]}).status_code == 404
    assert ids(bbb.call("getRecordings", {"state": "unpublished"})) == [first]
    bbb.call("publishRecordings", {"recordID": first, "publish": "true"})
    shown = recording_of(bbb.call("getRecordings"), first)
    assert shown.findtext("state") == "published" and shown.find("playback/format") is not None
    assert client.get(link, headers={"Host": bbb_company["host_name"]}).status_code == 200


def test_deleted_recordings_leave_the_list_and_their_files(
        app: Flask, bbb: BbbCaller, recorded: dict[str, str]) -> None:
    first, second = recorded["cs101"], recorded["cs102"]
    answer = bbb.call("deleteRecordings", {"recordID": f"{first},{second},unknown"})
    assert (answer.tags, answer.text("deleted")) == (["returncode", "deleted"], "true")
    assert bbb.call("getRecordings").message_key == "noRecordings"
    deleted = bbb.call("getRecordings", {"state": "deleted"})
    assert ids(deleted) == [first, second]
    assert {r.findtext("state") for r in deleted.root.iter("recording")} == {"deleted"}
    assert stored_keys(app, first) == []


def test_update_sets_and_removes_metadata(bbb: BbbCaller, recorded: dict[str, str]) -> None:
    first = recorded["cs101"]
    answer = bbb.call("updateRecordings", {"recordID": first, "meta_Term": "Winter",
                                           "meta_presenter": "", "meta_room": "B12"})
    assert (answer.tags, answer.text("updated")) == (["returncode", "updated"], "true")
    metadata = recording_of(bbb.call("getRecordings"), first).find("metadata")
    assert (metadata.findtext("term"), metadata.findtext("room"),
            metadata.find("presenter")) == ("Winter", "B12", None)
    assert ids(bbb.call("getRecordings", {"meta_term": "Winter"})) == [first]


# (call, parameters with {mine} / {theirs} for a recordID, messageKey)
FAILURES = [
    ("publishRecordings", {"publish": "true"}, "missingParamRecordID"),
    ("publishRecordings", {"recordID": "{mine}"}, "missingParamPublish"),
    ("publishRecordings", {"recordID": "{theirs}", "publish": "false"}, "notFound"),
    ("publishRecordings", {"recordID": "nope", "publish": "false"}, "notFound"),
    ("deleteRecordings", {}, "missingParamRecordID"),
    ("deleteRecordings", {"recordID": "{theirs}"}, "notFound"),
    ("updateRecordings", {"meta_a": "b"}, "missingParamRecordID"),
    ("updateRecordings", {"recordID": "{theirs}", "meta_a": "b"}, "notFound"),
]


@pytest.mark.parametrize(("call", "params", "key"), FAILURES)
def test_a_failed_call_answers_its_key_and_changes_nothing(
        bbb: BbbCaller, recorded: dict[str, str], other: dict[str, Any], snapshot: Any,
        call: str, params: dict[str, str], key: str) -> None:
    names = {"mine": recorded["cs101"], "theirs": other["recording"]}
    before = snapshot()
    answer = bbb.call(call, {name: value.format(**names) for name, value in params.items()})
    assert (answer.returncode, answer.tags, answer.message_key) == ("FAILED", reference.FAILED,
                                                                   key)
    assert snapshot() == before


@pytest.mark.parametrize("call", ["getRecordings", "publishRecordings", "deleteRecordings",
                                  "updateRecordings"])
def test_a_wrong_checksum_or_another_companys_secret_is_a_checksum_error(
        bbb: BbbCaller, recorded: dict[str, str], other: dict[str, Any], snapshot: Any,
        call: str) -> None:
    params = {"recordID": recorded["cs101"], "publish": "false", "meta_a": "b"}
    before = snapshot()
    for secret in ("wrong-secret", other["caller"].secret):
        answer = bbb.call(call, params, secret=secret)
        assert (answer.tags, answer.message_key) == (reference.FAILED, "checksumError")
    assert snapshot() == before


def test_another_companys_recordings_are_never_listed(
        bbb: BbbCaller, recorded: dict[str, str], other: dict[str, Any]) -> None:
    assert other["recording"] not in ids(bbb.call("getRecordings", {"state": "any"}))
    assert bbb.call("getRecordings", {"recordID": other["recording"]}).message_key == \
        "noRecordings"
    assert ids(other["caller"].call("getRecordings")) == [other["recording"]]
