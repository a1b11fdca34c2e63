"""Every call of the core BBB API against the reference: valid calls signed
with each digest, by GET and by form POST, give the reference's elements;
each missing or bad parameter, wrong checksum, another company's secret and
another company's meetingID gives its messageKey, and a FAILED call changes
nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.bbb import reference
from tests.api.bbb.helpers import mark_joined
from tests.api.bbb.signing import BbbCaller, checksum, parse

CONFIG = '<config><localeversion suppressWarning="false">0.9.0</localeversion></config>'
# call -> (valid parameters on the running meeting "m", the answer's elements)
VALID: dict[str, tuple[dict[str, str], list[str]]] = {
    "create": ({"meetingID": "new-1", "name": "New"}, reference.CREATE),
    "join": ({"meetingID": "m", "fullName": "Zoe", "password": "ap", "redirect": "false"},
             reference.JOIN),
    "end": ({"meetingID": "m", "password": "mp"}, reference.END),
    "isMeetingRunning": ({"meetingID": "m"}, reference.IS_MEETING_RUNNING),
    "getMeetingInfo": ({"meetingID": "m"}, reference.GET_MEETING_INFO),
    "getMeetings": ({}, reference.GET_MEETINGS),
    "setConfigXML": ({"meetingID": "m", "configXML": CONFIG}, reference.SET_CONFIG_XML),
}
# (call, parameters, messageKey): each a FAILED answer that changes nothing
FAILURES: list[tuple[str, dict[str, str], str]] = [
    ("create", {"name": "x"}, "missingParamMeetingID"),
    ("create", {"meetingID": ""}, "missingParamMeetingID"),
    ("create", {"meetingID": "m", "name": "Other name"}, "idNotUnique"),
    ("create", {"meetingID": "n", "record": "yes"}, "validationError"),
    ("create", {"meetingID": "n", "maxParticipants": "-1"}, "validationError"),
    ("create", {"meetingID": "n", "duration": "1.5"}, "validationError"),
    ("create", {"meetingID": "n", "bannerColor": "red"}, "validationError"),
    ("create", {"meetingID": "n", "logoutURL": "javascript:alert(1)"}, "validationError"),
    ("create", {"meetingID": "n", "guestPolicy": "SOMETIMES"}, "validationError"),
    ("create", {"meetingID": "n", "meta_<bad>": "x"}, "validationError"),
    ("create", {"meetingID": "n\x01"}, "validationError"),
    ("join", {"fullName": "Zoe", "password": "ap"}, "missingParamMeetingID"),
    ("join", {"meetingID": "m", "password": "ap"}, "missingParamFullName"),
    ("join", {"meetingID": "m", "fullName": "Zoe"}, "missingParamPassword"),
    ("join", {"meetingID": "m", "fullName": "Zoe", "password": "wrong"}, "invalidPassword"),
    ("join", {"meetingID": "m", "fullName": "Zoe", "password": "ap", "createTime": "1"},
     "mismatchCreateTime"),
    ("join", {"meetingID": "m", "fullName": "Zoe", "role": "ADMIN"}, "validationError"),
    ("join", {"meetingID": "m", "fullName": "Zoe", "password": "ap", "redirect": "no"},
     "validationError"),
    ("join", {"meetingID": "nope", "fullName": "Zoe", "password": "ap"}, "notFound"),
    ("end", {"password": "mp"}, "missingParamMeetingID"),
    ("end", {"meetingID": "m"}, "missingParamPassword"),
    ("end", {"meetingID": "m", "password": "ap"}, "invalidPassword"),
    ("end", {"meetingID": "nope", "password": "mp"}, "notFound"),
    ("isMeetingRunning", {}, "missingParamMeetingID"),
    ("getMeetingInfo", {}, "missingParamMeetingID"),
    ("getMeetingInfo", {"meetingID": "nope"}, "notFound"),
    ("setConfigXML", {"configXML": CONFIG}, "missingParamMeetingID"),
    ("setConfigXML", {"meetingID": "m"}, "missingParamConfigXML"),
    ("setConfigXML", {"meetingID": "m", "configXML": "<config>"}, "configXMLError"),
    ("setConfigXML", {"meetingID": "nope", "configXML": CONFIG}, "notFound"),
]
CALLS = [*VALID, "getDefaultConfigXML"]


@pytest.fixture
def other(other_bbb: BbbCaller) -> BbbCaller:
    """Another reseller's company, with its own running meeting "theirs"."""
    other_bbb.call("create", {"meetingID": "theirs", "attendeePW": "ap", "moderatorPW": "mp"})
    return other_bbb


@pytest.fixture
def meeting(app: Flask, bbb: BbbCaller, other: BbbCaller) -> BbbCaller:
    """``bbb``'s company with the running meeting "m" (ap/mp), Ann in it."""
    bbb.call("create", {"meetingID": "m", "attendeePW": "ap", "moderatorPW": "mp"})
    bbb.get("join", {"meetingID": "m", "fullName": "Ann", "password": "mp", "userID": "ann"})
    mark_joined(app, "ann")
    return bbb


def _tags(bbb: BbbCaller, call: str, params: dict[str, str], **how: Any) -> list[str]:
    """The answer's root and element tags (HTTP 200 always)."""
    send = bbb.get if how.pop("method", "GET") == "GET" else bbb.post_form
    answer = parse(send(call, params, **how))
    assert answer.status == 200
    return [answer.root.tag, *answer.tags]


def _valid(app: Flask, bbb: BbbCaller, call: str, attempt: int) -> dict[str, str]:
    """The call's valid parameters, its meeting made ready for the attempt
    (end needs one running meeting per attempt, create a new id)."""
    params, _ = VALID.get(call, ({}, []))
    if call == "create":
        return {**params, "meetingID": f"new-{attempt}"}
    if call == "end":
        bbb.call("create", {"meetingID": f"e{attempt}", "moderatorPW": "mp"})
        return {**params, "meetingID": f"e{attempt}"}
    return params


@pytest.mark.parametrize("call", CALLS)
def test_valid_call_answers_the_reference_elements_by_get_and_post_with_every_digest(
        app: Flask, meeting: BbbCaller, call: str) -> None:
    expected = (["config", "localeversion", "version", "modules"]
                if call == "getDefaultConfigXML" else ["response", *VALID[call][1]])
    ways = [(method, algorithm) for method in ("GET", "POST")
            for algorithm in ("sha1", "sha256", "sha384", "sha512")]
    for attempt, (method, algorithm) in enumerate(ways):
        params = _valid(app, meeting, call, attempt)
        assert _tags(meeting, call, params, method=method, algorithm=algorithm) == expected, \
            (method, algorithm)


@pytest.mark.parametrize("call", sorted({call for call, _, _ in FAILURES}))
def test_bad_call_is_failed_with_its_message_key_and_changes_nothing(
        meeting: BbbCaller, snapshot: Any, call: str) -> None:
    before = snapshot()
    for params, key in [(params, key) for c, params, key in FAILURES if c == call]:
        for method in ("GET", "POST"):
            answer = meeting.call(call, params, method=method)
            assert (answer.status, answer.tags, answer.returncode, answer.message_key) == \
                (200, reference.FAILED, "FAILED", key), (params, method)
    assert snapshot() == before


@pytest.mark.parametrize("call", CALLS)
def test_wrong_checksum_is_checksum_error(meeting: BbbCaller, other: BbbCaller, snapshot: Any,
                                          call: str) -> None:
    params = VALID.get(call, ({}, []))[0]
    before = snapshot()
    for secret in ("not-the-secret", other.secret):  # a guess; another company's secret
        for method in ("GET", "POST"):
            answer = meeting.call(call, params, method=method, secret=secret)
            assert (answer.tags, answer.message_key) == (reference.FAILED, "checksumError")
    unsigned = parse(meeting.client.get(f"/bigbluebutton/api/{call}?meetingID=m",
                                        headers={"Host": meeting.host_name}))
    assert unsigned.message_key == "checksumError"
    assert snapshot() == before


@pytest.mark.parametrize("call", ["join", "end", "getMeetingInfo", "setConfigXML"])
def test_another_companys_meeting_id_is_not_found(meeting: BbbCaller, snapshot: Any,
                                                  call: str) -> None:
    params = {**VALID[call][0], "meetingID": "theirs"}
    before = snapshot()
    answer = meeting.call(call, params)
    assert (answer.tags, answer.message_key) == (reference.FAILED, "notFound")
    assert meeting.call("isMeetingRunning", {"meetingID": "theirs"}).text("running") == "false"
    assert snapshot() == before


def test_another_companys_meetings_are_not_listed(meeting: BbbCaller) -> None:
    listed = meeting.call("getMeetings").root.findall("meetings/meeting/meetingID")
    assert [node.text for node in listed] == ["m"]


def test_company_restricted_to_sha256_refuses_sha1(app: Flask, meeting: BbbCaller,
                                                   bbb_company: dict[str, Any]) -> None:
    from app.extensions import db
    from app.modules.tenants.models import Company
    with app.app_context():
        db.session.get_one(Company, bbb_company["id"]).checksum_algorithms = ["sha256"]
        db.session.commit()
    params = {"meetingID": "m"}
    assert meeting.call("isMeetingRunning", params, algorithm="sha1").message_key == \
        "checksumError"
    assert meeting.call("isMeetingRunning", params, algorithm="sha256").returncode == "SUCCESS"


def test_unknown_host_name_is_failed(client: FlaskClient) -> None:
    answer = parse(client.get("/bigbluebutton/api/getMeetings?checksum=00",
                              headers={"Host": "nobody.example.test"}))
    assert (answer.tags, answer.returncode) == (reference.FAILED, "FAILED")



def test_control_characters_and_bytes_not_utf8_are_validation_errors(
        meeting: BbbCaller, snapshot: Any) -> None:
    before = snapshot()
    for call, query in [("create", "meetingID=%00x"), ("create", "meetingID=n&meta_x=%01"),
                        ("join", "meetingID=m&fullName=Zoe%00&password=ap"),
                        ("join", "meetingID=m&fullName=Zoe&password=ap&userdata-x=%00")]:
        mark = checksum(call, query, meeting.secret)
        answer = parse(meeting.client.get(f"/bigbluebutton/api/{call}?{query}&checksum={mark}",
                                          headers={"Host": meeting.host_name}))
        assert (answer.status, answer.message_key) == (200, "validationError"), query
    raw = b"meetingID=n\xff"  # a form body that is not UTF-8, signed as sent
    mark = hashlib.sha1(b"create" + raw + meeting.secret.encode()).hexdigest()
    answer = parse(meeting.client.post(
        "/bigbluebutton/api/create", data=raw + b"&checksum=" + mark.encode(),
        content_type="application/x-www-form-urlencoded", headers={"Host": meeting.host_name}))
    assert (answer.status, answer.message_key) == (200, "validationError")
    assert snapshot() == before
