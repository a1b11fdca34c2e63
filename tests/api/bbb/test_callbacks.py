"""The callbacks create asks for, delivered by the real worker to a real
receiver on loopback: the end callback's GET with meetingID and
recordingmarks, the recording-ready POST whose JWT (HS256) verifies with
PyJWT and the company's secret, and Elos's analytics POST whose bearer JWT
(HS512) verifies and whose JSON has each attendee's numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.jobs.worker import Worker
from app.modules.meetings.models import MeetingSession, Room
from app.modules.recordings import assembly
from app.modules.recordings.operations import assembled, begin_recording, recording_stopped
from app.modules.tenants.models import Company, Tenant
from app.modules.webhooks.models import Subscription
from app.protocol.node_api import EventKind
from tests.api.bbb.live import LiveMeeting, deliver
from tests.api.bbb.receiver import receiving
from tests.api.bbb.signing import BbbCaller
from tests.modules.events.fake_node import accepting_node

ELOS_TIME = "%Y-%m-%d %H:%M:%S %z"


@pytest.fixture
def worker(app_with: Any, tmp_path: Any) -> Worker:
    return Worker(app_with(job_retry_base_seconds=0.005, smtp_url="",
                           instance_path=str(tmp_path)))


def record_session(app: Flask, company: dict[str, Any], session_id: str) -> str:
    """A recording of the running session, stopped and assembled (ready)."""
    with app.app_context():
        tenant = Tenant.of(db.session.get_one(Company, company["id"]))
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == session_id)).scalar_one()
        recording = begin_recording(tenant, session, audio_only=False)
        db.session.commit()
        recording_stopped(recording.id, {})
        db.session.commit()
        assembled(recording.id, assembly.Assembled(key=f"{recording.storage_prefix}/r.mp4",
                                                   size_bytes=1000, duration_seconds=61.0,
                                                   chunks=2))
        db.session.commit()
        return recording.public_id


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_end_recording_ready_and_analytics_callbacks(
        app: Flask, settings: Any, worker: Worker, bbb: BbbCaller,
        bbb_company: dict[str, Any]) -> None:
    with receiving() as receiver, accepting_node(settings.media_node_secret) as control_url:
        meeting = LiveMeeting(app, bbb, "class-7")
        meeting.start(control_url, name="Class 7", record="true", meta_endCallbackUrl=receiver.url(
            "/end"), **{"meta_bbb-recording-ready-url": receiver.url("/ready"),
                        "meta_analytics-callback-url": receiver.url("/analytics"),
                        "meta_course": "bio"})
        internal_id = bbb.call("getMeetingInfo",
                               {"meetingID": "class-7"}).text("internalMeetingID")
        ann = meeting.join("Ann", "mp", userID="u-ann")
        bob = meeting.join("Bob", "ap")
        for who in (ann, bob):
            meeting.report(who, EventKind.JOINED)
        meeting.report(ann, EventKind.TALKING_STOPPED, seconds=12.6)
        meeting.report(ann, EventKind.TALKING_STOPPED, seconds=3)
        meeting.report(ann, EventKind.CHAT_SENT)
        meeting.report(ann, EventKind.CHAT_SENT)
        meeting.report(ann, EventKind.CAMERA_STOPPED, seconds=30)
        meeting.report(bob, EventKind.HAND_RAISED)
        meeting.report(bob, EventKind.SCREEN_SHARE_STOPPED, seconds=8)
        meeting.report(bob, EventKind.LEFT)
        record_id = record_session(app, bbb_company, meeting.session_id)
        meeting.end()
        deliver(worker)
        [end] = receiver.wait_for("/end", 1)
        [ready] = receiver.wait_for("/ready", 1)
        [analytics] = receiver.wait_for("/analytics", 1)

    assert (end.method, end.query) == ("GET", {"meetingID": "class-7",
                                               "recordingmarks": "true"})

    assert ready.method == "POST" and set(ready.form) == {"signed_parameters"}
    token = ready.form["signed_parameters"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert jwt.decode(token, bbb.secret, algorithms=["HS256"]) == {
        "meeting_id": "class-7", "record_id": record_id}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret", algorithms=["HS256"])

    assert analytics.method == "POST"
    assert analytics.headers["Content-Type"] == "application/json"
    scheme, bearer = analytics.headers["Authorization"].split(" ")
    assert scheme == "Bearer" and jwt.get_unverified_header(bearer)["alg"] == "HS512"
    assert "exp" in jwt.decode(bearer, bbb.secret, algorithms=["HS512"])
    check_analytics(analytics.json_body, internal_id, ann, bob)


def check_analytics(body: dict[str, Any], internal_id: str | None, ann: str, bob: str) -> None:
    assert (body["version"], body["meeting_id"], body["internal_meeting_id"]) == (
        "1.0", "class-7", internal_id)
    data = body["data"]
    assert data["metadata"] == {"course": "bio", "endcallbackurl": data["metadata"][
        "endcallbackurl"], "bbb_recording_ready_url": data["metadata"]["bbb_recording_ready_url"],
        "analytics_callback_url": "hidden", "is_breakout": "false", "meeting_id": "class-7",
        "meeting_name": "Class 7", "record": "true"}
    start, finish = (datetime.strptime(data[k], ELOS_TIME) for k in ("start", "finish"))
    assert abs(data["duration"] - (finish - start).total_seconds()) <= 1  # whole seconds
    first, second = data["attendees"]
    assert (first["ext_user_id"], first["name"], first["moderator"]) == ("u-ann", "Ann", True)
    assert first["engagement"] == {"chats": 2, "talks": 0, "raisehand": 0, "emojis": 0,
                                   "poll_votes": 0, "talk_time": 16, "webcam_time": 30,
                                   "screenshare_time": 0}
    assert first["leaves"] == [data["finish"]]  # still in when it ended
    assert list(first["sessions"]) == [ann]
    assert first["sessions"][ann]["joins"][0] == {
        "timestamp": first["joins"][0], "userid": ann, "ext_userid": "u-ann",
        "event": "join", "remove": False}
    assert (second["ext_user_id"], second["moderator"]) == (bob, False)
    assert (second["engagement"]["raisehand"], second["engagement"]["screenshare_time"],
            second["engagement"]["talk_time"]) == (1, 8, 0)
    assert second["sessions"][bob]["lefts"][0]["event"] == "left"
    assert second["duration"] <= data["duration"]
    for key in ("files", "polls", "recorded_segments", "transfer_attendees"):
        assert data[key] == []


def callback_urls(app: Flask, meeting_id: str) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Subscription.format, Subscription.url)
            .join(Room, Room.id == Subscription.room_id)
            .where(Room.external_id == meeting_id, Subscription.deleted_at.is_(None)))
        return {format: url for format, url in rows}


def test_each_create_sets_the_rooms_callbacks_to_what_it_asks(
        app: Flask, settings: Any, bbb: BbbCaller) -> None:
    with accepting_node(settings.media_node_secret) as control_url:
        meeting = LiveMeeting(app, bbb, "weekly")
        meeting.start(control_url, meta_endCallbackUrl="https://a.example.test/end")
        meeting.end()
        assert callback_urls(app, "weekly") == {"bbb-end-callback": "https://a.example.test/end"}
        meeting.start(control_url, **{"meta_endCallbackUrl": "https://b.example.test/end",
                                      "meta_analytics-callback-url": "https://b.example.test/a"})
        meeting.end()
        assert callback_urls(app, "weekly") == {"bbb-end-callback": "https://b.example.test/end",
                                                "bbb-analytics": "https://b.example.test/a"}
        meeting.start(control_url)
        assert callback_urls(app, "weekly") == {}


def test_a_callback_url_the_guard_refuses_fails_the_create(bbb: BbbCaller,
                                                           snapshot: Any) -> None:
    before = snapshot()
    answer = bbb.call("create", {"meetingID": "x", "meta_endCallbackUrl": "file:///etc/passwd"})
    assert (answer.returncode, answer.message_key) == ("FAILED", "validationError")
    assert snapshot() == before
