"""A BBB meeting from create to end through signed calls: each answer has
the reference's elements in its order, and the meeting is the domain's."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from app.extensions import db
from app.modules.meetings import outbox
from app.modules.meetings.commands import end_session
from app.modules.meetings.models import MeetingSession
from app.modules.tenants.models import Company, Tenant
from tests.api.bbb import reference
from tests.api.bbb.helpers import mark_joined, room_and_session
from tests.api.bbb.signing import BbbCaller, parse, signed_query

MEETING = {"name": "Physics 101", "meetingID": "phys-101", "attendeePW": "ap",
           "moderatorPW": "mp"}


def test_create_starts_the_rooms_session_and_answers_the_reference_document(
        app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any]) -> None:
    answer = bbb.call("create", {**MEETING, "welcome": "Hi", "record": "TRUE",
                                 "meta_Presenter": "Jane", "unknownParam": "x"})
    assert (answer.status, answer.tags) == (200, reference.CREATE)
    assert answer.returncode == "SUCCESS"
    create_time = answer.text("createTime")
    assert answer.text("internalMeetingID") == \
        f"{hashlib.sha1(b'phys-101').hexdigest()}-{create_time}"
    assert (answer.text("attendeePW"), answer.text("moderatorPW")) == ("ap", "mp")
    assert answer.text("parentMeetingID") == "bbb-none"
    room, session = room_and_session(app, bbb_company["id"], "phys-101")
    assert session is not None and session.ended_at is None
    assert room.title == "Physics 101" and room.meta == {"presenter": "Jane"}
    assert room.options["welcome_message"] == "Hi" and room.options["record"] is True


def test_create_is_idempotent_for_running_meeting(bbb: BbbCaller) -> None:
    first = bbb.call("create", MEETING)
    again = bbb.call("create", MEETING)
    assert again.tags == reference.CREATE_AGAIN
    assert again.message_key == "duplicateWarning"
    assert again.text("internalMeetingID") == first.text("internalMeetingID")


def test_create_with_other_parameters_for_running_meeting_is_id_not_unique(
        bbb: BbbCaller, snapshot: Any) -> None:
    bbb.call("create", MEETING)
    before = snapshot()
    answer = bbb.call("create", {**MEETING, "name": "Chemistry"})
    assert (answer.tags, answer.message_key) == (reference.FAILED, "idNotUnique")
    assert snapshot() == before


def test_create_without_passwords_makes_them_up(bbb: BbbCaller) -> None:
    answer = bbb.call("create", {"meetingID": "m1"})
    assert answer.text("attendeePW") and answer.text("moderatorPW")
    assert answer.text("attendeePW") != answer.text("moderatorPW")


def test_join_redirects_to_a_pass_with_the_password_role(
        app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any]) -> None:
    bbb.call("create", MEETING)
    response = bbb.get("join", {"meetingID": "phys-101", "fullName": "Ann", "password": "mp",
                                "userID": "u-ann", "userdata-bbb_x": "1"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.hostname == bbb_company["host_name"]
    assert location.path.startswith("/conf/pass/")
    answer = parse(bbb.get("join", {"meetingID": "phys-101", "fullName": "Bob",
                                    "password": "ap", "redirect": "false"}))
    assert (answer.tags, answer.message_key) == (reference.JOIN, "successfullyJoined")
    assert urlsplit(answer.text("url") or "").path == "/conf/pass/" + answer.text("auth_token")


def test_is_meeting_running_once_someone_joined_and_until_end(app: Flask, bbb: BbbCaller) -> None:
    assert bbb.call("isMeetingRunning", {"meetingID": "phys-101"}).text("running") == "false"
    bbb.call("create", MEETING)
    answer = bbb.call("isMeetingRunning", {"meetingID": "phys-101"})
    assert (answer.tags, answer.text("running")) == (reference.IS_MEETING_RUNNING, "false")
    bbb.get("join", {"meetingID": "phys-101", "fullName": "Ann", "password": "mp",
                     "userID": "u-ann"})
    mark_joined(app, "u-ann")
    assert bbb.call("isMeetingRunning", {"meetingID": "phys-101"}).text("running") == "true"
    ended = bbb.call("end", {"meetingID": "phys-101", "password": "mp"})
    assert (ended.tags, ended.message_key) == (reference.END, "sentEndMeetingRequest")
    assert bbb.call("isMeetingRunning", {"meetingID": "phys-101"}).text("running") == "false"
    assert bbb.call("getMeetingInfo", {"meetingID": "phys-101"}).message_key == "notFound"


def test_get_meeting_info_lists_who_is_in(app: Flask, bbb: BbbCaller) -> None:
    bbb.call("create", {**MEETING, "meta_course": "phys", "maxParticipants": "20"})
    bbb.get("join", {"meetingID": "phys-101", "fullName": "Ann", "password": "mp",
                     "userID": "u-ann"})
    bbb.get("join", {"meetingID": "phys-101", "fullName": "Bob", "password": "ap",
                     "userID": "u-bob"})
    mark_joined(app, "u-ann")
    answer = bbb.call("getMeetingInfo", {"meetingID": "phys-101"})
    assert answer.tags == reference.GET_MEETING_INFO
    assert (answer.text("running"), answer.text("participantCount"),
            answer.text("moderatorCount"), answer.text("maxUsers")) == ("true", "1", "1", "20")
    attendees = answer.root.findall("attendees/attendee")
    assert [child.tag for child in attendees[0]] == reference.ATTENDEE
    assert (attendees[0].findtext("userID"), attendees[0].findtext("role")) == \
        ("u-ann", "MODERATOR")
    assert answer.root.findtext("metadata/course") == "phys"


def test_get_meetings_lists_running_meetings(bbb: BbbCaller) -> None:
    empty = bbb.call("getMeetings")
    assert (empty.tags, empty.message_key) == (reference.NO_MEETINGS, "noMeetings")
    bbb.call("create", MEETING)
    bbb.call("create", {"meetingID": "other"})
    answer = bbb.call("getMeetings")
    assert answer.tags == reference.GET_MEETINGS
    meetings = answer.root.findall("meetings/meeting")
    assert [m.findtext("meetingID") for m in meetings] == ["phys-101", "other"]
    assert [child.tag for child in meetings[0]] == reference.MEETING


def test_set_config_xml_stores_a_config_and_answers_a_token(bbb: BbbCaller) -> None:
    bbb.call("create", MEETING)
    config = '<config><localeversion suppressWarning="false">0.9.0</localeversion></config>'
    answer = bbb.call("setConfigXML", {"meetingID": "phys-101", "configXML": config},
                      method="POST")
    assert answer.tags == reference.SET_CONFIG_XML and answer.text("token")
    default = bbb.get("getDefaultConfigXML")
    assert default.status_code == 200 and default.get_data(as_text=True).startswith("<config>")


def test_a_meeting_ended_from_the_page_is_no_longer_running(
        app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any]) -> None:
    bbb.call("create", MEETING)
    bbb.get("join", {"meetingID": "phys-101", "fullName": "Ann", "password": "mp",
                     "userID": "u-ann"})
    mark_joined(app, "u-ann")
    _, session = room_and_session(app, bbb_company["id"], "phys-101")
    assert session is not None
    with app.app_context():  # what the host's End button does (commands.end, as moderator)
        tenant = Tenant.of(db.session.get_one(Company, bbb_company["id"]))
        end_session(tenant, db.session.get_one(MeetingSession, session.id),
                    outbox.ENDED_BY_MODERATOR)
        db.session.commit()
    assert bbb.call("isMeetingRunning", {"meetingID": "phys-101"}).text("running") == "false"
    assert bbb.call("getMeetingInfo", {"meetingID": "phys-101"}).message_key == "notFound"
    again = bbb.call("create", MEETING)  # a new session of the same room
    assert again.tags == reference.CREATE
    assert again.text("createTime") != str(int(session.started_at.timestamp() * 1000))


def test_the_rooms_rules_refuse_a_guest_and_a_full_meeting(app: Flask, bbb: BbbCaller,
                                                           snapshot: Any) -> None:
    bbb.call("create", {**MEETING, "guestPolicy": "always_deny", "maxParticipants": "1"})
    join = {"meetingID": "phys-101", "fullName": "Gus", "password": "ap", "redirect": "false"}
    before = snapshot()
    assert bbb.call("join", {**join, "guest": "true"}).message_key == "guestDeny"
    assert snapshot() == before
    assert bbb.call("join", {**join, "userID": "gus"}).returncode == "SUCCESS"
    mark_joined(app, "gus")  # in: the one place is taken
    assert bbb.call("join", {**join, "fullName": "Max"}).message_key == "maxParticipantsReached"


SLIDES = b"""<modules><module name="presentation">
<document url="http://www.sample-pdf.com/sample.pdf" filename="report.pdf"/>
<document name="sample-presentation.pdf">JVBERi0xLjQK
</document>
</module></modules>"""


def test_create_accepts_and_keeps_pre_uploaded_documents(
        app: Flask, bbb: BbbCaller, bbb_company: dict[str, Any]) -> None:
    query = signed_query("create", {"meetingID": "slides"}, bbb.secret)
    response = bbb.client.post(f"/bigbluebutton/api/create?{query}", data=SLIDES,
                               content_type="application/xml",
                               headers={"Host": bbb.host_name})
    assert parse(response).tags == reference.CREATE
    room, _ = room_and_session(app, bbb_company["id"], "slides")
    assert room.integration_data["documents"] == [
        {"url": "http://www.sample-pdf.com/sample.pdf", "filename": "report.pdf"},
        {"name": "sample-presentation.pdf", "embedded_bytes": 9}]
    bad = bbb.client.post(f"/bigbluebutton/api/create?{query}", data=b"<modules>",
                          content_type="application/xml", headers={"Host": bbb.host_name})
    assert parse(bad).message_key == "validationError"


def test_join_by_role_and_with_the_meetings_create_time(app: Flask, bbb: BbbCaller) -> None:
    create_time = bbb.call("create", MEETING).text("createTime") or ""
    answer = bbb.call("join", {"meetingID": "phys-101", "fullName": "Ria", "role": "moderator",
                               "createTime": create_time, "userID": "ria",
                               "redirect": "FALSE"})
    assert answer.message_key == "successfullyJoined"
    mark_joined(app, "ria")
    info = bbb.call("getMeetingInfo", {"meetingID": "phys-101"})
    assert info.root.findtext("attendees/attendee/role") == "MODERATOR"
