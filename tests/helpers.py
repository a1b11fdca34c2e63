"""Constants and process helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BACKEND = os.environ.get("CONFERA_TEST_DB", "postgresql")
DEFAULT_PASSWORD = "correct-horse-battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_env(settings: object, **extra: str) -> dict[str, str]:
    """The environment that gives a child process (confera web/worker) these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFERA_", "DATABASE_"))}
    env.update({
        "CONFERA_ENV": "test",
        "DATABASE_URL": settings.database_url,  # type: ignore[attr-defined]
        "CONFERA_INSTANCE_PATH": settings.instance_path,  # type: ignore[attr-defined]
        "SECRET_KEY": settings.secret_key,  # type: ignore[attr-defined]
        "MEDIA_NODE_SECRET": settings.media_node_secret,  # type: ignore[attr-defined]
        "MEDIA_NODE_ALLOWED_HOSTS": ",".join(
            settings.media_node_allowed_hosts),  # type: ignore[attr-defined]
        "WEBHOOK_ALLOW_PRIVATE": "1" if settings.webhook_allow_private else "0",  # type: ignore[attr-defined]
    })
    env.update(extra)
    return env


def confera(*args: str, env: dict[str, str], netns: str = "") -> subprocess.Popen[bytes]:
    """Start ``confera ARGS`` as a child process (output to the test's stderr),
    inside the network namespace ``netns`` when one is named."""
    inside = ["ip", "netns", "exec", netns] if netns else []
    return subprocess.Popen([*inside, sys.executable, "-m", "app.cli", *args], env=env,
                            cwd=REPO_ROOT)


def wait_for_http(url: str, host_header: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, headers={"Host": host_header}, timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def wait_until(condition: Callable[[], object], what: str, timeout: float = 15.0) -> float:
    """Seconds it took ``condition`` to hold; fails the test after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def event_jobs(app: Any) -> int:
    """How many events.written jobs the outbox queued (issue H: one per event,
    which the worker runs too): tests that count the jobs a worker ran add
    these to their own."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.jobs.models import Job
    from app.modules.events.operations import EVENT_WRITTEN

    with app.app_context():
        return db.session.execute(
            sa.select(sa.func.count()).select_from(Job).where(Job.kind == EVENT_WRITTEN)
        ).scalar_one()
