from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from email.utils import formataddr, make_msgid
from typing import Any

from flask import render_template

from app.extensions import settings
from app.jobs import enqueue
from app.jobs.models import Job
from app.modules.tenants.models import Tenant

SEND_MAIL = "mail.send"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail, e.g. a calendar invitation: ``content_type``
    ``text/calendar`` with ``params`` ``{"method": "REQUEST"}``. ``alternative``:
    also a part of the body's multipart/alternative, where calendar programs
    (Outlook, Gmail) look for an invitation they offer to accept."""

    filename: str
    content_type: str
    content: str
    params: dict[str, str] = field(default_factory=dict)
    alternative: bool = False


def sender_for(company: Tenant) -> str:
    """The From header: the reseller's mail sender name (else its name) at
    MAIL_FROM or no-reply@its domain."""
    reseller = company.reseller
    address = settings().mail_from or f"no-reply@{reseller.domain}"
    return formataddr((reseller.mail_sender_name or reseller.name, address))


def queue_mail(company: Tenant, to: str, template: str, *,
               attachments: Sequence[Attachment] = (), **context: object) -> Job:
    """Render ``templates/mail/<template>.{subject,txt,html}`` and queue its delivery.

    Rendering happens now, in the caller's request, so the job carries the
    finished message; the Message-ID is fixed now too, so a retried delivery
    is recognisably the same message.
    """
    context = {"company": company, "reseller": company.reseller, **context}
    subject = render_template(f"mail/{template}.subject.txt", **context).strip()
    payload: dict[str, Any] = {
        "from": sender_for(company),
        "to": to,
        "subject": subject,
        "text": render_template(f"mail/{template}.txt", **context),
        "html": render_template(f"mail/{template}.html", **context),
        "message_id": make_msgid(domain=company.reseller.domain),
    }
    if attachments:
        payload["attachments"] = [asdict(attachment) for attachment in attachments]
    return enqueue(SEND_MAIL, payload)
