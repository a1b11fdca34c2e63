"""Whether the worker loop is alive, for an exec probe (``confera worker
--check``): the loop touches a file at each turn, between jobs; the probe
reads its age. The worker serves no HTTP, so nothing else can ask it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from app.config import Settings

log = logging.getLogger(__name__)

ALIVE_FILE = "worker.alive"


def alive_path(settings: Settings) -> Path:
    return Path(settings.instance_path) / ALIVE_FILE


def longest_silence(settings: Settings) -> float:
    """How long a live loop may go without a turn: one job may run for its
    lease (a longer one is taken again by another worker anyway), then an
    idle wait, with a margin."""
    return settings.job_lease_seconds + 2 * settings.job_poll_seconds + 5


def mark_alive(settings: Settings) -> None:
    """The loop took a turn (a failure to say so must not stop the loop)."""
    path = alive_path(settings)
    try:
        path.touch()
    except OSError as exc:
        log.warning("worker: cannot touch %s: %s", path, exc)


def why_not_alive(settings: Settings, now: float | None = None) -> str | None:
    """None when a worker loop took a turn recently; else why not."""
    path = alive_path(settings)
    try:
        silent = (time.time() if now is None else now) - path.stat().st_mtime
    except FileNotFoundError:
        return f"no worker loop has run here ({path} is missing)"
    if silent > longest_silence(settings):
        return f"the worker loop took no turn for {silent:.0f} s"
    return None
