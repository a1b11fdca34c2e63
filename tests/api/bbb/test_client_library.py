"""The PyPI client bigbluebutton-api-python, unchanged, against a company's
/bigbluebutton/api/ over real HTTP: every core call succeeds and parses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from bigbluebutton_api_python import BigBlueButton
from bigbluebutton_api_python.exception import BBBException
from flask import Flask

from tests.api.bbb.helpers import mark_joined
from tests.api.bbb.served import resolve_to_loopback, serving


@pytest.fixture
def client_library(app: Flask, bbb_company_and_secret: tuple[dict[str, Any], str],
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[BigBlueButton]:
    company, secret = bbb_company_and_secret
    resolve_to_loopback(monkeypatch, company["host_name"])
    with serving(app) as port:
        yield BigBlueButton(f"http://{company['host_name']}:{port}/bigbluebutton/api/", secret)


def test_the_client_library_drives_a_meeting(app: Flask, client_library: BigBlueButton) -> None:
    bbb = client_library
    created = bbb.create_meeting("lib-1", params={"name": "Library", "attendeePW": "ap",
                                                  "moderatorPW": "mp", "record": True},
                                 meta={"course": "cs"})
    assert (created.get_meetingid(), created.get_attendee_pw(), created.get_moderator_pw()) == \
        ("lib-1", "ap", "mp")
    assert created.get_create_time() and not created.has_been_forcibly_ended()
    assert bbb.is_meeting_running("lib-1").is_meeting_running() is False

    join_url = bbb.get_join_meeting_url("Ann", "lib-1", "mp", params={"userID": "ann"})
    redirected = httpx.get(join_url, follow_redirects=False)
    assert redirected.status_code == 302
    assert urlsplit(redirected.headers["location"]).path.startswith("/conf/pass/")
    mark_joined(app, "ann")
    assert bbb.is_meeting_running("lib-1").is_meeting_running() is True

    info = bbb.get_meeting_info("lib-1")
    meeting = info.get_meetinginfo()
    assert (meeting.get_meetingid(), meeting.get_meetingname()) == ("lib-1", "Library")
    assert [(a.get_fullname(), a.get_role()) for a in info.get_attendees()] == \
        [("Ann", "MODERATOR")]

    bbb.create_meeting("lib-2", params={})
    listed = bbb.get_meetings().get_meetings()
    assert [m.get_meetingid() for m in listed] == ["lib-1", "lib-2"]
    assert bbb.get_recordings(meeting_id="lib-1").get_recordings() == []

    assert bbb.end_meeting("lib-1", "mp").get_return_code() == "SUCCESS"
    assert bbb.is_meeting_running("lib-1").is_meeting_running() is False
    with pytest.raises(BBBException) as failed:
        bbb.get_meeting_info("lib-1")
    assert failed.value.key == "notFound"


def test_the_client_library_with_a_wrong_secret_gets_checksum_error(
        client_library: BigBlueButton) -> None:
    base = client_library._BigBlueButton__urlBuilder.bbbServerBaseUrl  # type: ignore[attr-defined]
    with pytest.raises(BBBException) as failed:
        BigBlueButton(base, "wrong-secret").get_meetings()
    assert failed.value.key == "checksumError"
