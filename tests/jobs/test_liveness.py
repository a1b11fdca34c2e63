"""`confera worker --check`, the worker's exec probe: alive while its loop
takes turns and the database answers."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from app.config import Settings
from app.jobs.liveness import alive_path, longest_silence, why_not_alive
from tests.helpers import REPO_ROOT, confera, free_port, settings_env, wait_until


def _check(settings: Settings, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", "worker", "--check"], cwd=REPO_ROOT,
                          env=settings_env(settings, **env), capture_output=True, text=True,
                          timeout=60)


def test_the_check_passes_while_the_loop_turns_and_fails_once_it_stalls(
        settings: Settings) -> None:
    alive_path(settings).unlink(missing_ok=True)
    assert "missing" in (why_not_alive(settings) or "")
    worker = confera("worker", env=settings_env(settings))
    try:
        wait_until(lambda: why_not_alive(settings) is None, "the loop's first turn", timeout=60)
        checked = _check(settings)
        assert (checked.returncode, checked.stdout.strip()) == (0, "ok"), checked.stderr
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    stalled = time.time() + longest_silence(settings) + 1
    assert "no turn" in (why_not_alive(settings, now=stalled) or "")


def test_the_check_fails_when_the_loop_is_stale_or_the_database_does_not_answer(
        settings: Settings) -> None:
    old = time.time() - longest_silence(settings) - 5
    alive_path(settings).touch()
    os.utime(alive_path(settings), (old, old))
    stale = _check(settings)
    assert stale.returncode == 1
    assert "no turn" in stale.stderr
    alive_path(settings).touch()
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    no_database = _check(settings, DATABASE_URL=closed)
    assert no_database.returncode == 1
    assert "database" in no_database.stderr
