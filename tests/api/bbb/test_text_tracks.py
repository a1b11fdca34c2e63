"""getRecordingTextTracks and putRecordingTextTrack: JSON answers as the
reference shows them; uploads (WebVTT, and SRT converted) stored in the real
storage and served through their links; a track replaced by kind and lang,
deleted by an upload without a file; each failure's messageKey, in JSON too,
with nothing changed."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.bbb.signing import BbbCaller, company_secret, signed_query
from tests.api.bbb.test_recordings import record

VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n"
SRT = b"1\n00:00:01,000 --> 00:00:02,500\nOla\n\n2\n00:00:03,000 --> 00:00:04,000\nTchau\n"
TRACK = ["href", "kind", "label", "lang", "source"]


def put(bbb: BbbCaller, params: dict[str, str], content: bytes | None = None,
        secret: str | None = None, content_type: str = "text/vtt") -> TestResponse:
    """A signed putRecordingTextTrack: parameters in the query, the file in a
    multipart body (none: no body)."""
    query = signed_query("putRecordingTextTrack", params, secret or bbb.secret)
    data = {} if content is None else {"file": (io.BytesIO(content), "track", content_type)}
    return bbb.client.post(f"/bigbluebutton/api/putRecordingTextTrack?{query}", data=data,
                           content_type="multipart/form-data", headers={"Host": bbb.host_name})


def answer(response: TestResponse) -> dict[str, Any]:
    assert (response.status_code, response.mimetype) == (200, "application/json")
    return dict(response.json["response"])  # type: ignore[index]


def tracks(bbb: BbbCaller, record_id: str) -> list[dict[str, Any]]:
    got = answer(bbb.get("getRecordingTextTracks", {"recordID": record_id}))
    assert list(got) == ["returncode", "tracks"] and got["returncode"] == "SUCCESS"
    return list(got["tracks"])


@pytest.fixture
def recording(app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any], make_host: Any) -> str:
    return record(app, bbb, bbb_company, make_host(bbb_company), "lecture")


@pytest.fixture
def theirs(app: Flask, client: FlaskClient, make_reseller: Any, make_company: Any,
           make_host: Any) -> str:
    company = make_company(make_reseller())
    caller = BbbCaller(client, company["host_name"], company_secret(app, company))
    return record(app, caller, company, make_host(company), "lecture")


def download(client: FlaskClient, host_name: str, href: str) -> TestResponse:
    assert urlsplit(href).hostname == host_name
    return client.get(urlsplit(href).path, headers={"Host": host_name})


def test_an_uploaded_track_is_listed_and_downloads_as_webvtt(
        client: FlaskClient, bbb: BbbCaller, bbb_company: dict[str, Any],
        recording: str) -> None:
    assert tracks(bbb, recording) == []
    done = answer(put(bbb, {"recordID": recording, "kind": "subtitles", "lang": "en-US",
                            "label": "English"}, VTT))
    assert done == {"messageKey": "upload_text_track_success",
                    "message": "Text track uploaded successfully", "recordId": recording,
                    "returncode": "SUCCESS"}
    [track] = tracks(bbb, recording)
    assert list(track) == TRACK
    assert (track["kind"], track["lang"], track["label"], track["source"]) == (
        "subtitles", "en-US", "English", "upload")
    file = download(client, bbb_company["host_name"], track["href"])
    assert (file.status_code, file.mimetype, file.data) == (200, "text/vtt", VTT)


def test_srt_is_converted_a_label_is_made_up_and_the_same_kind_and_lang_is_replaced(
        client: FlaskClient, bbb: BbbCaller, bbb_company: dict[str, Any],
        recording: str) -> None:
    params = {"recordID": recording, "kind": "captions", "lang": "pt-BR"}
    answer(put(bbb, params, VTT))
    answer(put(bbb, params, SRT, content_type="application/x-subrip"))
    [track] = tracks(bbb, recording)
    assert track["label"] == "Portuguese (Brazil)"
    text = download(client, bbb_company["host_name"], track["href"]).data.decode()
    assert text.startswith("WEBVTT") and "00:00:01.000 --> 00:00:02.500\nOla" in text


def test_an_upload_without_a_file_deletes_the_track(bbb: BbbCaller, recording: str) -> None:
    params = {"recordID": recording, "kind": "subtitles", "lang": "en"}
    answer(put(bbb, params, VTT))
    answer(put(bbb, {**params, "lang": "de"}, VTT))
    assert answer(put(bbb, params))["returncode"] == "SUCCESS"
    assert [t["lang"] for t in tracks(bbb, recording)] == ["de"]


def test_a_file_that_is_no_subtitle_file_fails_as_the_reference_says_and_keeps_the_old(
        bbb: BbbCaller, recording: str) -> None:
    params = {"recordID": recording, "kind": "subtitles", "lang": "en"}
    answer(put(bbb, params, VTT))
    failed = answer(put(bbb, params, b"\x00\x01 not subtitles"))
    assert failed == {"messageKey": "upload_text_track_failed",
                      "message": "Text track upload failed.", "recordId": recording,
                      "returncode": "SUCCESS"}
    assert len(tracks(bbb, recording)) == 1


# (parameters with {mine}/{theirs}, the file, messageKey)
PUT_FAILURES = [
    ({"kind": "subtitles", "lang": "en"}, VTT, "missingParameter"),
    ({"recordID": "{mine}", "lang": "en"}, VTT, "missingParameter"),
    ({"recordID": "{mine}", "kind": "subtitles"}, VTT, "missingParameter"),
    ({"recordID": "nope", "kind": "subtitles", "lang": "en"}, VTT, "noRecordings"),
    ({"recordID": "{theirs}", "kind": "subtitles", "lang": "en"}, VTT, "noRecordings"),
    ({"recordID": "{mine}", "kind": "chapters", "lang": "en"}, VTT, "invalidKind"),
    ({"recordID": "{mine}", "kind": "subtitles", "lang": "not a tag"}, VTT, "invalidLang"),
    ({"recordID": "{mine}", "kind": "subtitles", "lang": "en"}, b"  \n",
     "empty_uploaded_text_track"),
]


@pytest.mark.parametrize(("params", "content", "key"), PUT_FAILURES)
def test_a_refused_upload_answers_its_key_and_changes_nothing(
        bbb: BbbCaller, recording: str, theirs: str, snapshot: Any,
        params: dict[str, str], content: bytes, key: str) -> None:
    before = snapshot()
    got = answer(put(bbb, {n: v.format(mine=recording, theirs=theirs)
                           for n, v in params.items()}, content))
    assert (list(got), got["returncode"], got["messageKey"]) == (
        ["returncode", "messageKey", "message"], "FAILED", key)
    assert snapshot() == before


def test_listing_needs_a_recording_of_the_company(bbb: BbbCaller, recording: str,
                                                  theirs: str) -> None:
    for params, key in (({}, "missingParameter"), ({"recordID": "nope"}, "noRecordings"),
                        ({"recordID": theirs}, "noRecordings")):
        got = answer(bbb.get("getRecordingTextTracks", params))
        assert (got["returncode"], got["messageKey"]) == ("FAILED", key)


def test_wrong_or_missing_checksums_are_json_errors(
        client: FlaskClient, bbb: BbbCaller, recording: str, snapshot: Any) -> None:
    params = {"recordID": recording, "kind": "subtitles", "lang": "en"}
    before = snapshot()
    assert answer(put(bbb, params, VTT, secret="wrong"))["messageKey"] == "checksumError"
    assert answer(bbb.get("getRecordingTextTracks", {"recordID": recording},
                          secret="wrong"))["messageKey"] == "checksumError"
    unsigned = client.get(f"/bigbluebutton/api/getRecordingTextTracks?recordID={recording}",
                          headers={"Host": bbb.host_name})
    assert answer(unsigned) == {"returncode": "FAILED", "messageKey": "paramError",
                                "message": "Missing param checksum."}
    assert snapshot() == before
