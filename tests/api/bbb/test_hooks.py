"""hooks/create, hooks/list, hooks/destroy as the BBB webhooks plugin answers
them, and a hook's deliveries: a real receiver on loopback gets
meeting-created, user-joined, user-left and meeting-ended through the real
worker path, form-encoded, with Elos's authToken as bearer and the URL's
checksum; a hook for another meeting gets none of them."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.jobs.worker import Worker
from app.protocol.node_api import EventKind
from tests.api.bbb import reference
from tests.api.bbb.live import LiveMeeting, deliver
from tests.api.bbb.receiver import receiving
from tests.api.bbb.signing import BbbCaller, company_secret
from tests.modules.events.fake_node import accepting_node

CREATED = ["returncode", "hookID", "permanentHook", "rawData", "authToken"]
DUPLICATE = ["returncode", "hookID", "messageKey", "message"]
HOOK = ["hookID", "callbackURL", "permanentHook", "rawData"]
URL = "https://hooks.example.test/bbb"


@pytest.fixture
def other(app: Flask, client: FlaskClient, make_reseller: Any, make_company: Any) -> BbbCaller:
    company = make_company(make_reseller())
    return BbbCaller(client, company["host_name"], company_secret(app, company))


def hooks(bbb: BbbCaller, **params: str) -> list[dict[str, str]]:
    answer = bbb.call("hooks/list", params)
    assert answer.tags == ["returncode", "hooks"] and answer.returncode == "SUCCESS"
    return [{child.tag: child.text or "" for child in hook}
            for hook in answer.root.iter("hook")]


def test_create_answers_the_hook_and_its_auth_token_and_a_second_is_a_duplicate(
        bbb: BbbCaller) -> None:
    made = bbb.call("hooks/create", {"callbackURL": URL, "getRaw": "true"})
    assert (made.tags, made.returncode, made.text("permanentHook"), made.text("rawData")) == (
        CREATED, "SUCCESS", "false", "true")
    assert len(made.text("authToken") or "") >= 20
    given = bbb.call("hooks/create", {"callbackURL": URL + "/2", "authToken": "my-token"})
    assert given.text("authToken") == "my-token"
    again = bbb.call("hooks/create", {"callbackURL": URL})
    assert (again.tags, again.text("hookID"), again.message_key) == (
        DUPLICATE, made.text("hookID"), "duplicateWarning")
    assert len(hooks(bbb)) == 2


def test_list_shows_every_hook_or_those_a_meeting_gets(bbb: BbbCaller) -> None:
    everything = bbb.call("hooks/create", {"callbackURL": URL}).text("hookID")
    scoped = bbb.call("hooks/create", {"callbackURL": URL + "/m", "meetingID": "m1",
                                       "eventID": "user-joined,MEETING-ENDED"}).text("hookID")
    other_meeting = bbb.call("hooks/create", {"callbackURL": URL + "/n",
                                              "meetingID": "m2"}).text("hookID")
    listed = hooks(bbb)
    assert [h["hookID"] for h in listed] == [everything, scoped, other_meeting]
    assert list(listed[0]) == HOOK and listed[0]["callbackURL"] == URL
    assert listed[1] == {"hookID": scoped, "callbackURL": URL + "/m", "meetingID": "m1",
                         "eventID": "user-joined,meeting-ended", "permanentHook": "false",
                         "rawData": "false"}
    assert [h["hookID"] for h in hooks(bbb, meetingID="m1")] == [everything, scoped]


def test_destroy_removes_the_hook(bbb: BbbCaller) -> None:
    hook_id = bbb.call("hooks/create", {"callbackURL": URL}).text("hookID") or ""
    answer = bbb.call("hooks/destroy", {"hookID": hook_id})
    assert (answer.tags, answer.text("removed")) == (["returncode", "removed"], "true")
    assert hooks(bbb) == []
    assert bbb.call("hooks/destroy", {"hookID": hook_id}).message_key == "destroyMissingHook"


# (call, parameters, messageKey); {theirs}: another company's hookID
FAILURES = [
    ("hooks/create", {"meetingID": "m1"}, "missingParamCallbackURL"),
    ("hooks/create", {"callbackURL": "ftp://hooks.example.test/x"}, "createHookError"),
    ("hooks/destroy", {}, "missingParamHookID"),
    ("hooks/destroy", {"hookID": "not-a-number"}, "destroyMissingHook"),
    ("hooks/destroy", {"hookID": "{theirs}"}, "destroyMissingHook"),
]


@pytest.mark.parametrize(("call", "params", "key"), FAILURES)
def test_a_failed_hooks_call_answers_its_key_and_changes_nothing(
        bbb: BbbCaller, other: BbbCaller, snapshot: Any, call: str, params: dict[str, str],
        key: str) -> None:
    theirs = other.call("hooks/create", {"callbackURL": URL}).text("hookID") or ""
    before = snapshot()
    answer = bbb.call(call, {n: v.format(theirs=theirs) for n, v in params.items()})
    assert (answer.tags, answer.returncode, answer.message_key) == (reference.FAILED, "FAILED",
                                                                   key)
    assert snapshot() == before
    assert [h["hookID"] for h in hooks(other)] == [theirs]


@pytest.mark.parametrize("call", ["hooks/create", "hooks/list", "hooks/destroy"])
def test_hooks_calls_need_the_companys_checksum(bbb: BbbCaller, other: BbbCaller,
                                                snapshot: Any, call: str) -> None:
    hook_id = bbb.call("hooks/create", {"callbackURL": URL}).text("hookID") or ""
    before = snapshot()
    for secret in ("wrong", other.secret):
        answer = bbb.call(call, {"callbackURL": URL + "/x", "hookID": hook_id}, secret=secret)
        assert (answer.tags, answer.message_key) == (reference.FAILED, "checksumError")
    assert snapshot() == before


def test_a_hook_gets_the_meetings_events_with_its_auth_token_and_checksum(
        app: Flask, app_with: Any, tmp_path: Any, settings: Any, bbb: BbbCaller) -> None:
    worker = Worker(app_with(job_retry_base_seconds=0.005, smtp_url="",
                             instance_path=str(tmp_path)))
    with receiving() as receiver, accepting_node(settings.media_node_secret) as control_url:
        bbb.call("hooks/create", {"callbackURL": receiver.url("/hook"), "authToken": "tok-1"})
        bbb.call("hooks/create", {"callbackURL": receiver.url("/elsewhere"),
                                  "meetingID": "another-meeting"})
        meeting = LiveMeeting(app, bbb, "m1")
        meeting.start(control_url, name="Maths")
        internal_id = bbb.call("getMeetingInfo", {"meetingID": "m1"}).text("internalMeetingID")
        ann = meeting.join("Ann", "mp", userID="u-ann")
        bob = meeting.join("Bob", "ap")
        meeting.report(ann, EventKind.JOINED)
        meeting.report(bob, EventKind.JOINED)
        meeting.report(bob, EventKind.LEFT)
        meeting.end()
        deliver(worker)
        posts = receiver.wait_for("/hook", 5)
        assert receiver.at("/elsewhere") == []

    secret = bbb.secret
    documents = []
    for post in posts:
        assert post.method == "POST" and post.headers["Authorization"] == "Bearer tok-1"
        assert post.headers["Content-Type"] == "application/x-www-form-urlencoded"
        expected = hashlib.sha1(receiver.url("/hook").encode() + post.body +
                                secret.encode()).hexdigest()
        assert post.query == {"checksum": expected}
        assert set(post.form) == {"event", "timestamp"}
        [document] = json.loads(post.form["event"])
        assert document["data"]["event"]["ts"] <= int(post.form["timestamp"]) + 1
        documents.append(document["data"])
    assert [d["id"] for d in documents] == [
        "meeting-created", "user-joined", "user-joined", "user-left", "meeting-ended"]
    assert {json.dumps(d["attributes"]["meeting"], sort_keys=True) for d in documents[1:]} == {
        json.dumps({"external-meeting-id": "m1", "internal-meeting-id": internal_id},
                   sort_keys=True)}
    created = documents[0]["attributes"]["meeting"]
    assert (created["external-meeting-id"], created["internal-meeting-id"], created["name"],
            created["moderator-pass"], created["viewer-pass"]) == (
        "m1", internal_id, "Maths", "mp", "ap")
    assert documents[1]["attributes"]["user"] == {
        "internal-user-id": ann, "external-user-id": "u-ann", "name": "Ann",
        "role": "MODERATOR", "presenter": "false"}
    assert documents[2]["attributes"]["user"]["role"] == "VIEWER"
    assert documents[3]["attributes"]["user"] == {"internal-user-id": bob,
                                                  "external-user-id": bob}


def test_a_hook_with_event_ids_gets_only_those(app: Flask, app_with: Any, tmp_path: Any,
                                              settings: Any, bbb: BbbCaller) -> None:
    worker = Worker(app_with(job_retry_base_seconds=0.005, smtp_url="",
                             instance_path=str(tmp_path)))
    with receiving() as receiver, accepting_node(settings.media_node_secret) as control_url:
        bbb.call("hooks/create", {"callbackURL": receiver.url("/ended"), "meetingID": "m1",
                                  "eventID": "meeting-ended"})
        meeting = LiveMeeting(app, bbb, "m1")
        meeting.start(control_url)
        meeting.report(meeting.join("Ann", "mp"), EventKind.JOINED)
        meeting.end()
        deliver(worker)
        [post] = receiver.wait_for("/ended", 1)
    assert json.loads(post.form["event"])[0]["data"]["id"] == "meeting-ended"
