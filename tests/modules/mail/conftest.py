from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.config import Settings
from app.extensions import db
from tests.smtp import SmtpServer, running_smtp_server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; ``.received`` lists what it accepted."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """A second app on the test database with changed settings, e.g. the
    worker's: ``app_with(smtp_url=smtp_server.url)``."""
    apps: list[Flask] = []

    def make(**changes: Any) -> Flask:
        apps.append(create_app(settings.with_(**changes)))
        return apps[-1]

    yield make
    for made in apps:
        with made.app_context():
            db.engine.dispose()
