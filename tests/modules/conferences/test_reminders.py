"""Reminders go out at the company's offsets before the start, by mail (a
real SMTP server on loopback) and by text message (the dev outbox). The test
moves the worker's clock through each job's run_at instead of sleeping; a
reminder of a changed or cancelled conference sends nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.jobs.models import JobStatus
from app.jobs.worker import Worker
from app.modules.conferences.reminders import REMIND
from app.modules.tenants.models import Company
from tests.conferences import jobs, make_world, wall_in

EMAILS = [{"email": "bob@royalteck.test", "moderator": True, "phone": "+14165551234"},
          {"email": "alice@royalteck.test", "moderator": False}]


@pytest.fixture
def world(app, make_reseller, make_company, make_host, token_for):
    world = make_world(make_reseller, make_company, make_host, token_for)
    with app.app_context():  # the company's offsets: 180 is already past for a start in 2 h
        company = db.session.get(Company, world["company"]["id"])
        company.meeting_defaults = {**company.meeting_defaults,
                                    "reminder_minutes": [180, 60, 15]}
        db.session.commit()
    return world


@pytest.fixture
def worker(app_with, smtp_server, tmp_path):
    return Worker(app_with(smtp_url=smtp_server.url, instance_path=str(tmp_path)))


def call(api, world, verb, **body):
    token, host_name = world["tokens"]["HOST"]
    response = api(f"conference/{verb}", host_name, token, **body)
    assert response.status_code == 200, response.json
    return response.json


def schedule(api, world, hours=2):
    return call(api, world, "create", host_id=world["host"]["id"], subject="Standup",
                start=wall_in("Europe/London", hours=hours), time_zone="Europe/London",
                duration=15, participant_emails=EMAILS)


def reminder_jobs(app, conference_id):
    return [j for j in jobs(app, REMIND) if j.payload["conference_id"] == conference_id]


def texts(tmp_path):
    outbox = tmp_path / "outbox"
    return sorted(p.read_text() for p in outbox.glob("*.sms")) if outbox.exists() else []


def test_reminders_go_out_at_each_offset_by_mail_and_text(
        app, api, world, worker, smtp_server, tmp_path):
    created = schedule(api, world)
    [hour, quarter] = reminder_jobs(app, created["conference_id"])  # 180 min: already past
    assert (hour.payload["minutes"], quarter.payload["minutes"]) == (60, 15)
    assert quarter.run_at - hour.run_at == timedelta(minutes=45)
    worker.run_until_idle()
    assert len(smtp_server.wait_for(3)) == 3  # the invitations; no reminder is due yet

    assert worker.run_until_idle(now=hour.run_at - timedelta(seconds=1)) == 0
    assert worker.run_until_idle(now=hour.run_at + timedelta(seconds=1)) == 1 + 3 + 1
    reminders = smtp_server.wait_for(6)[3:]
    assert sorted(m.rcpt_tos[0] for m in reminders) == [
        "alice@royalteck.test", "bob@royalteck.test", "host@joe.test"]
    for mail in reminders:
        assert mail.message["Subject"] == "Reminder: Standup starts in 60 minutes"
        assert "conf/call/" in mail.body("plain")
    [text] = texts(tmp_path)
    assert text.startswith("To: +14165551234\n\nStandup starts in 60 min: https://joe.")
    assert "invite=" in text  # bob moderates: his link admits him as moderator

    assert worker.run_until_idle(now=quarter.run_at + timedelta(seconds=1)) == 1 + 3 + 1
    assert [m.message["Subject"] for m in smtp_server.wait_for(9)[6:]] == [
        "Reminder: Standup starts in 15 minutes"] * 3
    assert len(texts(tmp_path)) == 2
    assert {j.status for j in reminder_jobs(app, created["conference_id"])} == {
        JobStatus.DONE}


def test_a_changed_conference_reminds_at_its_new_time_only(
        app, api, world, worker, smtp_server, tmp_path):
    created = schedule(api, world)
    old = reminder_jobs(app, created["conference_id"])
    call(api, world, "update", conference_id=created["conference_id"],
         start=wall_in("Europe/London", hours=5))
    new = [j for j in reminder_jobs(app, created["conference_id"])
           if j.id not in {o.id for o in old}]
    worker.run_until_idle()
    sent = len(smtp_server.wait_for(6))  # invitations and updates

    # The old reminders come due and do nothing.
    assert worker.run_until_idle(now=old[-1].run_at + timedelta(seconds=1)) == 2
    assert len(smtp_server.received) == sent and texts(tmp_path) == []
    # The new ones (sequence 1; 180 minutes before is still ahead now) send.
    assert [j.payload["minutes"] for j in new] == [180, 60, 15]
    assert {j.payload["sequence"] for j in new} == {1}
    assert worker.run_until_idle(now=new[0].run_at + timedelta(seconds=1)) == 1 + 3 + 1
    assert smtp_server.wait_for(sent + 3)[-1].message["Subject"] == \
        "Reminder: Standup starts in 180 minutes"


def test_a_cancelled_conference_sends_no_reminder(app, api, world, worker, smtp_server,
                                                  tmp_path):
    created = schedule(api, world)
    pending = reminder_jobs(app, created["conference_id"])
    call(api, world, "cancel", conference_id=created["conference_id"])
    worker.run_until_idle()
    sent = len(smtp_server.wait_for(6))  # invitations and cancellations
    assert worker.run_until_idle(now=pending[-1].run_at + timedelta(minutes=1)) >= 2
    assert len(smtp_server.received) == sent and texts(tmp_path) == []
    assert {j.status for j in reminder_jobs(app, created["conference_id"])} == {
        JobStatus.DONE}
