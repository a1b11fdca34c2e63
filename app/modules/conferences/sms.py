"""Text messages (conference reminders) through a pluggable sender.

No SMS provider is reachable from a development machine, so the default
writes each message into the dev outbox next to the mails. An operator plugs
a provider in with ``SMS_SENDER``: the dotted path of a class that takes the
``Settings`` and has ``send(to, text)`` (docs/conferences.md)."""

from __future__ import annotations

import importlib
import uuid
from typing import Protocol

from app.config import Settings
from app.core.db import utcnow


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> None:
        """Send ``text`` to ``to`` (E.164); raise to have the job retried."""


class OutboxSmsSender:
    """Writes ``<outbox>/<time>-<id>.sms``: a ``To:`` line, a blank line, the text."""

    def __init__(self, settings: Settings):
        self.outbox = settings.outbox_path

    def send(self, to: str, text: str) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex}.sms"
        tmp = self.outbox / (name + ".tmp")
        tmp.write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")
        tmp.replace(self.outbox / name)  # readers never see half a message


def sms_sender(settings: Settings) -> SmsSender:
    """The sender ``SMS_SENDER`` names, else the outbox."""
    if not settings.sms_sender:
        return OutboxSmsSender(settings)
    module, _, name = settings.sms_sender.rpartition(".")
    sender: SmsSender = getattr(importlib.import_module(module), name)(settings)
    return sender
