"""gunicorn's configuration for ``confera web`` (``gunicorn_args`` in
app/cli.py passes this file): every value from the typed settings.

Command-line flags win over this file, so ``gunicorn_args`` still names the
bind address, workers and threads of the ``Settings`` it is given (the
benchmarks build theirs); the rest is here: timeouts, graceful shutdown,
forwarded headers, logging and prometheus_client's multiprocess folder.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from app.config import Settings
from app.logs import handler_config

settings = Settings.from_env()

worker_class = "gthread"
workers = settings.web_workers
threads = settings.web_threads
timeout = settings.web_timeout_seconds
# On SIGTERM (a rolling update), requests in flight get this long to finish.
graceful_timeout = settings.web_graceful_timeout_seconds
keepalive = settings.web_keepalive_seconds
# X-Forwarded-Proto (https behind a TLS proxy) is believed from the same
# proxies whose X-Forwarded-For is (app/core/proxies.py); gunicorn's default
# is loopback only.
forwarded_allow_ips = ",".join(str(ipaddress.ip_network(n, strict=False))
                               for n in settings.trusted_proxies) or "127.0.0.1,::1"
# gunicorn's control socket is one fixed path per user: two servers on a
# machine (tests, benchmarks) would fight over it.
control_socket_disable = True
logconfig_dict = handler_config(settings.chosen_log_format)
# The access log goes through logconfig_dict's handler: in text, gunicorn's
# line per request; in JSON, the app's own (app/logs.py says why).
accesslog = "-"


def _metrics_dir() -> str:
    """prometheus_client's multiprocess folder, emptied: what a previous run
    left there would be counted again (its docs say so)."""
    path = Path(settings.metrics_dir or tempfile.mkdtemp(prefix="confera-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return str(path)


# Set before a worker imports prometheus_client, which reads it at import.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir()


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges must not be summed any more."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """A temporary metrics folder made for this run goes with it."""
    if not settings.metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
