"""Reminders before a conference starts: a mail to every invitee and a text
message to those with a phone number, at the company's offsets
(``reminder_minutes`` of the settings cascade, default 15)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.core.db import utcnow
from app.extensions import db
from app.jobs import enqueue
from app.modules.conferences.invitations import invitees_of, join_url, mail_context
from app.modules.conferences.models import Conference
from app.modules.mail.operations import queue_mail
from app.modules.settings.operations import company_defaults
from app.modules.tenants.models import Tenant

REMIND = "conferences.remind"  # payload {"conference_id", "sequence", "minutes"}
SEND_SMS = "conferences.send_sms"  # payload {"to", "text"}


def schedule_reminders(company: Tenant, conference: Conference, now: datetime) -> None:
    """A job per offset, run at start - offset; offsets already past are
    skipped. Each carries the conference's sequence: a later change makes new
    ones, and these then do nothing."""
    for minutes in sorted(set(company_defaults(company)["reminder_minutes"]), reverse=True):
        run_at = conference.start_at - timedelta(minutes=minutes)
        if run_at > now:
            enqueue(REMIND, {"conference_id": conference.id, "sequence": conference.sequence,
                             "minutes": minutes}, run_at=run_at)


def send_reminders(payload: dict[str, Any]) -> None:
    """The job: queue the reminder mails and texts, unless the conference
    changed (another sequence), was cancelled, or is over."""
    conference = db.session.get(Conference, payload["conference_id"])
    if conference is None or conference.cancelled_at is not None or \
            conference.sequence != payload["sequence"] or conference.end_at <= utcnow() or \
            not conference.company.active or conference.host.deleted_at is not None:
        return
    company = Tenant.of(conference.company)
    minutes = int(payload["minutes"])
    for invitee in invitees_of(conference):
        url = join_url(company, conference, invitee)
        queue_mail(company, invitee.email, "conference_reminder", minutes=minutes,
                   **mail_context(conference, invitee, url))
        if invitee.phone:
            text = f"{conference.subject} starts in {minutes} min: {url}"
            enqueue(SEND_SMS, {"to": invitee.phone, "text": text})
