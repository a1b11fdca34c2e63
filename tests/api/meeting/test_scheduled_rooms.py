"""Scheduled rooms (app/modules/meetings/scheduling.py) as people meet them:
the page and the join API before, during and after a room's window, at its
own address or at its organizer's, with its PIN and moderator invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.jobs.models import Job
from app.jobs.worker import Worker
from app.modules.access import HostRole
from app.modules.hosts.models import Host
from app.modules.media_nodes.models import MediaNode
from app.modules.meetings.models import MeetingSession, Room
from app.modules.meetings.scheduling import (
    CLOSE_ROOM,
    RoomPlan,
    address_at,
    cancel_room,
    is_active,
    moderator_url,
    room_url,
    schedule_room,
    set_moderators,
)
from app.modules.tenants.models import Company, Tenant
from app.protocol.signalling import MuteMode

PIN = "246810"


@pytest.fixture
def place(make_reseller, make_company, make_host, beat) -> dict[str, Any]:
    company = make_company(make_reseller())
    host = make_host(company, moderator_pin="9999")
    beat("node-a")
    return {"company": company, "host": host, "host_name": company["host_name"]}


@pytest.fixture
def schedule(app, place):
    """schedule(start_in_minutes, duration=60, own_code=True, **plan): a
    committed scheduled room of the place's host; returns its id, code, URLs."""

    def make(start_in: float, duration: int = 60, own_code: bool = True,
             **plan: Any) -> dict[str, Any]:
        with app.app_context():
            company = Tenant.of(db.session.get(Company, place["company"]["id"]))
            host = db.session.get(Host, place["host"]["id"])
            room = schedule_room(company, host, RoomPlan(
                starts_at=utcnow() + timedelta(minutes=start_in), duration_minutes=duration,
                security_pin=plan.get("security_pin"), mute_mode=plan.get("mute_mode"),
                auto_record="none", own_code=own_code, title=plan.get("title")))
            set_moderators(company, room, ["Bob@example.com"])
            made = {"id": room.id, "code": room.access_code or host.access_code,
                    "url": room_url(company, room),
                    "moderator_url": moderator_url(company, room, "bob@example.com")}
            db.session.commit()
            return made

    return make


def _page(client, place, code: str, query: str = "") -> Any:
    return client.get(f"/conf/call/{code}{query}", headers={"Host": place["host_name"]})


def test_a_room_with_its_own_code_waits_opens_and_closes(client, place, schedule, join):
    early = schedule(start_in=60, title="Quarterly review")
    page = _page(client, place, early["code"])
    assert page.status_code == 200 and b'id="countdown"' in page.data
    assert b"Quarterly review" in page.data
    assert join(place, code=early["code"], display_name="Ann").status_code == 409

    now = schedule(start_in=-5)  # started five minutes ago: open
    assert b'id="join-form"' in _page(client, place, now["code"]).data
    ticket = join(place, code=now["code"], display_name="Ann")
    assert ticket.status_code == 200, ticket.json

    over = schedule(start_in=-120, duration=30)  # ended an hour and a half ago
    assert _page(client, place, over["code"]).status_code == 410
    assert join(place, code=over["code"], display_name="Ann").status_code == 410


def test_its_own_code_is_a_new_address_and_the_hosts_room_stays_its_own(
        client, place, schedule, join):
    room = schedule(start_in=-5)
    assert room["code"] != place["host"]["access_code"]
    assert room["url"].endswith(f"/conf/call/{room['code']}")
    in_room = join(place, code=room["code"], display_name="Ann").json["session_id"]
    personal = join(place, display_name="Bob").json["session_id"]
    assert in_room != personal


def test_without_its_own_code_it_opens_at_the_hosts_address_in_its_window(
        app, client, place, schedule, join):
    before = join(place, display_name="Ann").json["session_id"]  # the personal room
    room = schedule(start_in=-5, own_code=False, security_pin=PIN,
                    mute_mode=MuteMode.PRESENTATION)
    assert room["code"] == place["host"]["access_code"]
    assert join(place, display_name="Bob").status_code == 401  # the conference's PIN
    during = join(place, display_name="Bob", security_pin=PIN)
    assert during.status_code == 200
    assert during.json["session_id"] != before
    with app.app_context():
        session = db.session.execute(sa.select(MeetingSession).where(
            MeetingSession.public_id == during.json["session_id"])).scalar_one()
        assert session.room_id == room["id"] and session.mute_mode is MuteMode.PRESENTATION

    # Everyone who comes to the address now meets in the conference.
    assert join(place, display_name="Cy", security_pin=PIN).json["session_id"] == \
        during.json["session_id"]


def test_a_resumed_join_keeps_its_room_when_the_address_moves_on(client, place, schedule,
                                                                  join):
    first = join(place, display_name="Ann").json
    schedule(start_in=-5, own_code=False)
    again = join(place, rejoin_token=first["token"])
    assert again.status_code == 200, again.json
    assert again.json["session_id"] == first["session_id"]


def test_a_moderator_invitation_admits_as_moderator_without_the_pin(client, place, schedule,
                                                                     join):
    room = schedule(start_in=-5, security_pin=PIN)
    invite = parse_qs(urlsplit(room["moderator_url"]).query)["invite"][0]
    page = _page(client, place, room["code"], f"?invite={invite}")
    assert b'id="security-pin"' not in page.data  # the invitation spares it
    admitted = join(place, code=room["code"], display_name="Bob", invite=invite)
    assert admitted.status_code == 200 and admitted.json["role"] == "moderator"

    other = schedule(start_in=-5)
    foreign = join(place, code=other["code"], display_name="Eve", invite=invite)
    assert foreign.status_code == 403
    assert join(place, code=room["code"], display_name="Eve", invite="forged").status_code == 403
    forged_page = _page(client, place, room["code"], "?invite=forged")
    assert b'id="security-pin"' in forged_page.data and b"forged" not in forged_page.data


def test_an_invitation_admits_only_while_its_email_is_a_moderator(app, client, place,
                                                                  schedule, join):
    room = schedule(start_in=-5, security_pin=PIN)
    invite = parse_qs(urlsplit(room["moderator_url"]).query)["invite"][0]
    with app.app_context():
        company = Tenant.of(db.session.get(Company, place["company"]["id"]))
        set_moderators(company, db.session.get(Room, room["id"]), ["someone@else.example"])
        db.session.commit()
    assert join(place, code=room["code"], display_name="Bob", invite=invite).status_code == 403
    assert b'id="security-pin"' in _page(client, place, room["code"], f"?invite={invite}").data


def test_closing_ends_the_meeting_and_a_rescheduled_rooms_old_job_does_nothing(
        app, client, place, schedule, join):
    room = schedule(start_in=-5)
    join(place, code=room["code"], display_name="Ann")
    with app.app_context():
        # The node stopped beating: ending needs no word with it.
        db.session.execute(sa.update(MediaNode).values(
            last_heartbeat_at=utcnow() - timedelta(hours=1)))
        company = Tenant.of(db.session.get(Company, place["company"]["id"]))
        scheduled = db.session.get(Room, room["id"])
        assert is_active(company, scheduled)
        cancel_room(company, scheduled)
        db.session.commit()
        jobs = db.session.execute(sa.select(Job).where(Job.kind == CLOSE_ROOM)).scalars().all()
        assert len(jobs) == 2  # the window's end, and now
    Worker(app).run_until_idle()
    with app.app_context():
        company = Tenant.of(db.session.get(Company, place["company"]["id"]))
        assert not is_active(company, db.session.get(Room, room["id"]))
    assert join(place, code=room["code"], display_name="Ann").status_code == 410


def test_a_host_cannot_take_a_scheduled_rooms_code(api, place, schedule, token_for,
                                                    make_host):
    room = schedule(start_in=30)
    admin = make_host(place["company"], role=HostRole.COMPANY_ADMIN)
    answer = api("host/update", place["host_name"], token_for(admin),
                 host_id=place["host"]["id"], access_code=int(room["code"]))
    assert answer.status_code == 409


def test_an_unknown_code_is_no_room(client, place, ctx):
    company = Tenant.of(db.session.get(Company, place["company"]["id"]))
    with pytest.raises(Exception, match="No meeting room"):
        address_at(company, "123")
    assert _page(client, place, "123").status_code == 404
