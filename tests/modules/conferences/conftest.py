from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.smtp import SmtpServer, running_smtp_server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; ``.received`` lists what it accepted."""
    with running_smtp_server() as server:
        yield server
