"""Hands a finished message to SMTP (``SMTP_URL``) or writes it to the outbox."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from app.config import Settings

SMTP_TIMEOUT_SECONDS = 30


def build_message(payload: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = payload["from"]
    msg["To"] = payload["to"]
    msg["Subject"] = payload["subject"]
    msg["Message-ID"] = payload["message_id"]
    msg["Date"] = formatdate(localtime=False)
    msg.set_content(payload["text"])
    if payload.get("html"):
        msg.add_alternative(payload["html"], subtype="html")
    _attach(msg, payload.get("attachments", []))
    return msg


def _attach(msg: EmailMessage, attachments: list[dict[str, Any]]) -> None:
    """Text alternatives first (the body stays multipart/alternative, the
    invitation its last part), then every attachment as a file."""
    for item in attachments:
        if item.get("alternative"):
            msg.add_alternative(item["content"], subtype=item["content_type"].split("/")[1],
                                params=item["params"])
    for item in attachments:
        maintype, subtype = item["content_type"].split("/")
        msg.add_attachment(item["content"].encode(), maintype=maintype, subtype=subtype,
                           filename=item["filename"],
                           params={**item["params"], "charset": "UTF-8"})


def deliver(msg: EmailMessage, settings: Settings) -> None:
    if settings.smtp_url:
        _send_smtp(msg, settings.smtp_url)
    else:
        _write_outbox(msg, settings.outbox_path)


def _send_smtp(msg: EmailMessage, smtp_url: str) -> None:
    """smtp://[user:pass@]host[:port][?starttls=true] or smtps://... (implicit TLS)."""
    url = urlsplit(smtp_url)
    options = parse_qs(url.query)
    host = url.hostname or "localhost"
    smtp: smtplib.SMTP
    if url.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, url.port or 465, timeout=SMTP_TIMEOUT_SECONDS,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, url.port or 25, timeout=SMTP_TIMEOUT_SECONDS)
    with smtp:
        if url.scheme == "smtp" and options.get("starttls", ["false"])[0] == "true":
            smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(msg)


def _write_outbox(msg: EmailMessage, outbox: Path) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    name = msg["Message-ID"].strip("<>").replace("/", "_") + ".eml"
    tmp = outbox / (name + ".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(outbox / name)  # readers never see half a message
