from __future__ import annotations

from typing import Any

from app.extensions import settings
from app.jobs import job_handler
from app.modules.mail.delivery import build_message, deliver
from app.modules.mail.operations import SEND_MAIL


@job_handler(SEND_MAIL)
def send_mail(payload: dict[str, Any]) -> None:
    deliver(build_message(payload), settings())
