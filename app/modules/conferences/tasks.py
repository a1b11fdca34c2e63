from __future__ import annotations

from typing import Any

from app.extensions import settings
from app.jobs import job_handler
from app.modules.conferences.reminders import REMIND, SEND_SMS, send_reminders
from app.modules.conferences.sms import sms_sender


@job_handler(REMIND)
def remind(payload: dict[str, Any]) -> None:
    send_reminders(payload)


@job_handler(SEND_SMS)
def send_sms(payload: dict[str, Any]) -> None:
    sms_sender(settings()).send(payload["to"], payload["text"])
