from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from app.config import Settings
from tests.helpers import REPO_ROOT, settings_env
from tests.smtp import SmtpServer, running_smtp_server


class WorkerProcess:
    """`confera worker` as a child process; its log is kept and echoed to stderr."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"], env=env, cwd=REPO_ROOT,
            stderr=subprocess.PIPE, text=True,
        )
        # The name the worker writes into jobs.locked_by (Worker.__init__).
        self.name = f"{socket.gethostname()}:{self.proc.pid}"
        self.started = threading.Event()
        self.log: list[str] = []
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            sys.stderr.write(line)
            if f"worker {self.name} started" in line:
                self.started.set()

    def wait_started(self, timeout: float = 15.0) -> None:
        if not self.started.wait(timeout):
            raise AssertionError(f"worker did not start in {timeout} s:\n{''.join(self.log)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def start_worker(settings: Settings) -> Iterator[Callable[..., WorkerProcess]]:
    """start_worker(SMTP_URL=..., JOB_LEASE_SECONDS="3"): a worker process on
    the test database; every one is stopped (or killed) at teardown."""
    workers: list[WorkerProcess] = []

    def start(**env: str) -> WorkerProcess:
        workers.append(WorkerProcess(settings_env(settings, JOB_POLL_SECONDS="0.2", **env)))
        return workers[-1]

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; ``.received`` lists what it accepted."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def start_smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """start_smtp_server(hold_first=True) or (delay=0.01): see tests/smtp.py."""
    with ExitStack() as stack:
        yield lambda **options: stack.enter_context(running_smtp_server(**options))
