"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

Fixtures in tests/jobs and tests/modules/mail wrap ``running_smtp_server``.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller

from tests.helpers import free_port


@dataclass(frozen=True)
class ReceivedMail:
    message: EmailMessage
    mail_from: str
    rcpt_tos: list[str]
    received_at: datetime  # wall clock (UTC) when the server answered 250

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def body(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part"
        return cast(EmailMessage, part).get_content()


class SmtpServer:
    """The aiosmtpd handler and the record of accepted messages (thread-safe).

    ``hold_first``: the first DATA is neither accepted nor refused until
    ``release()``: a client sending it hangs as on a stalled mail server.
    ``delay``: seconds every accepted DATA takes.
    """

    def __init__(self, hold_first: bool = False, delay: float = 0.0):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.first_data_seen = threading.Event()
        self._hold_first = hold_first
        self._delay = delay
        self._released = threading.Event()
        self._changed = threading.Condition()
        self._received: list[ReceivedMail] = []

    @property
    def received(self) -> list[ReceivedMail]:
        with self._changed:
            return list(self._received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """The accepted messages once there are at least ``count``; fails on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._received) >= count, timeout):
                raise AssertionError(
                    f"{len(self._received)} of {count} messages arrived in {timeout} s")
            return list(self._received)

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._hold_first and not self.first_data_seen.is_set():
            self.first_data_seen.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 held by the test, not accepted"
        if self._delay:
            await asyncio.sleep(self._delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        mail = ReceivedMail(cast(EmailMessage, message), envelope.mail_from,
                            list(envelope.rcpt_tos), datetime.now(UTC))
        with self._changed:
            self._received.append(mail)
            self._changed.notify_all()
        return "250 OK"


@contextmanager
def running_smtp_server(hold_first: bool = False, delay: float = 0.0) -> Iterator[SmtpServer]:
    server = SmtpServer(hold_first=hold_first, delay=delay)
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        server.release()
        controller.stop()

