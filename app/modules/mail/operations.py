from __future__ import annotations

from email.utils import make_msgid

from flask import render_template

from app.extensions import settings
from app.jobs import enqueue
from app.jobs.models import Job
from app.modules.tenants.models import Tenant

SEND_MAIL = "mail.send"


def sender_for(company: Tenant) -> str:
    """The From header: the reseller's name at MAIL_FROM or no-reply@its domain."""
    address = settings().mail_from or f"no-reply@{company.reseller.domain}"
    return f"{company.reseller.name} <{address}>"


def queue_mail(company: Tenant, to: str, template: str, **context: object) -> Job:
    """Render ``templates/mail/<template>.{subject,txt,html}`` and queue its delivery.

    Rendering happens now, in the caller's request, so the job carries the
    finished message; the Message-ID is fixed now too, so a retried delivery
    is recognisably the same message.
    """
    context = {"company": company, "reseller": company.reseller, **context}
    subject = render_template(f"mail/{template}.subject.txt", **context).strip()
    payload = {
        "from": sender_for(company),
        "to": to,
        "subject": subject,
        "text": render_template(f"mail/{template}.txt", **context),
        "html": render_template(f"mail/{template}.html", **context),
        "message_id": make_msgid(domain=company.reseller.domain),
    }
    return enqueue(SEND_MAIL, payload)
