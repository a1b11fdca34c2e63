"""Benchmark: webhook deliveries from one worker (``make bench``).

One `Worker` (app/jobs/worker.py, in this process, as `confera worker` runs
it) on a throw-away PostgreSQL database delivers to a receiver on loopback
(a threaded http.server answering 200). Two figures, each against a baseline
measured in the same command:

- **Throughput**: N events written at once (a backlog), then the worker runs
  until idle: deliveries per second. Baseline: the same number of POSTs of
  the same body, signed the same way, from one thread with one httpx client
  (what the network part of a delivery costs without the job queue).
- **Lag**: events written one by one at a steady rate while the worker runs
  (no backlog), delivered by a `confera worker` process as deployed (it
  polls every JOB_POLL_SECONDS): from each event's commit to its arrival,
  p50 and p99.

Goals of issue H: >= 500 deliveries/s per worker, p99 lag < 1 s when not
backlogged. Writes its figures into bench/RESULTS-webhooks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, the repo is not
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from app.api.enterprise.schemas import host_create_schema  # noqa: E402
from app.config import Settings  # noqa: E402
from app.core import migrations  # noqa: E402
from app.extensions import db  # noqa: E402
from app.factory import create_app  # noqa: E402
from app.jobs.worker import Worker  # noqa: E402
from app.modules.access import Actor, Caller  # noqa: E402
from app.modules.events.models import EventType  # noqa: E402
from app.modules.events.operations import emit  # noqa: E402
from app.modules.hosts.operations import add_host  # noqa: E402
from app.modules.tenants.operations import create_reseller  # noqa: E402
from app.modules.webhooks.delivery import signature  # noqa: E402
from app.modules.webhooks.operations import create_subscription  # noqa: E402
from bench.results_index import link_from_index  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
RESULTS = ROOT / "bench" / "RESULTS-webhooks.md"
GOAL_PER_SECOND, GOAL_P99_SECONDS = 500.0, 1.0


class Receiver:
    """Counts arrivals by Idempotency-Key, with the time each first came."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver would
            disable_nagle_algorithm = True  # headers and body go in two writes

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = self.headers.get("Idempotency-Key", "")
                with receiver.lock:
                    receiver.arrived.setdefault(key, time.time())
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.arrived)


def _emit(tenant: Any, n: int) -> tuple[str, float]:
    event = emit(tenant.id, tenant.reseller_id, EventType.HOST_CREATED,
                 {"host_id": n, "email": f"h{n}@bench.localhost", "role": "HOST"})
    db.session.commit()
    return event.public_id, time.time()


def baseline(url: str, n: int, secret: str) -> float:
    """POSTs per second of a signed event body from one client, no queue."""
    body = json.dumps({"id": "evt_x", "type": "host.created", "created_at": "",
                       "data": {"host_id": 1}}).encode()
    with httpx.Client(timeout=10) as client:
        started = time.perf_counter()
        for i in range(n):
            client.post(url, content=body, headers={
                "Content-Type": "application/json", "Idempotency-Key": f"base-{i}",
                "Confera-Signature": signature(secret, int(time.time()), body)})
        return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--lag-events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="events/s in the lag run")
    args = parser.parse_args()

    name = f"confera_bench_wh_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        settings = Settings.from_env(
            environ={}, env="test", database_url=f"postgresql+psycopg://postgres@127.0.0.1/{name}",
            instance_path=str(ROOT / "instance" / "bench-webhooks"),
            secret_key="bench-" + secrets.token_hex(8), webhook_allow_private=True)
        app = create_app(settings)
        receiver = Receiver()
        with app.app_context():
            migrations.upgrade()
            tenant = create_reseller("Bench", "bench.localhost")
            admin = add_host(tenant, host_create_schema.load({
                "company_id": tenant.id, "name": "Bench admin", "email": "admin@bench.localhost",
                "role": "RESELLER_ADMIN", "no_welcome_email": True})).host
            db.session.commit()
            actor = Actor(caller=Caller(id=admin.id, company_id=tenant.id,
                                        reseller_id=tenant.reseller_id, role=admin.role),
                          tenant=tenant)
            made = create_subscription(actor, {"company_id": tenant.id, "url": receiver.url,
                                               "event_types": []})
            db.session.commit()
            secret = made.secret or ""
        base_rate = baseline(receiver.url, args.events, secret)

        with app.app_context():
            for n in range(args.events):
                emit(tenant.id, tenant.reseller_id, EventType.HOST_CREATED,
                     {"host_id": n + 1, "email": f"h{n}@bench.localhost", "role": "HOST"})
            db.session.commit()
        before = receiver.count()
        started = time.perf_counter()
        Worker(app).run_until_idle()
        elapsed = time.perf_counter() - started
        delivered = receiver.count() - before
        rate = delivered / elapsed

        # The lag run's worker is `confera worker` itself, polling as it does.
        worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env={
            **{k: v for k, v in os.environ.items() if not k.startswith("CONFERA_")},
            "CONFERA_ENV": "test", "DATABASE_URL": settings.database_url,
            "CONFERA_INSTANCE_PATH": settings.instance_path, "SECRET_KEY": settings.secret_key,
            "MEDIA_NODE_SECRET": settings.media_node_secret, "WEBHOOK_ALLOW_PRIVATE": "1"})
        time.sleep(2)  # started and polling
        written: dict[str, float] = {}
        with app.app_context():
            for n in range(args.lag_events):
                key, at = _emit(tenant, 10_000 + n)
                written[key] = at
                time.sleep(1 / args.rate)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(k in receiver.arrived for k in written):
            time.sleep(0.05)
        worker.terminate()
        worker.wait(timeout=30)
        lags = sorted(receiver.arrived[k] - at for k, at in written.items()
                      if k in receiver.arrived)
        p50 = statistics.median(lags)
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        report(args, base_rate, rate, delivered, p50, p99, len(lags), len(written))
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(args: argparse.Namespace, base_rate: float, rate: float, delivered: int,
           p50: float, p99: float, lagged: int, written: int) -> None:
    command = (f".venv/bin/python bench/webhooks.py --events {args.events} "
               f"--lag-events {args.lag_events} --rate {args.rate:g}")
    throughput_met = "met" if rate >= GOAL_PER_SECOND else "missed"
    lag_met = "met" if p99 < GOAL_P99_SECONDS and lagged == written else "missed"
    lines = [
        "# Webhook deliveries: one worker's throughput and lag",
        "",
        "Written by `bench/webhooks.py`; do not edit by hand, run it again.",
        "",
        f"- Command: `{command}`",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()};"
        f" PostgreSQL on 127.0.0.1; the receiver, the worker and the database share 2 CPUs",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| baseline: signed POSTs/s from one client, no queue | {base_rate:.0f} |",
        f"| worker: deliveries/s of a backlog of {args.events} events | {rate:.0f} |",
        f"| worker / baseline | **{rate / base_rate:.2f}x** |",
        f"| delivered of the backlog | {delivered} |",
        f"| lag p50 at {args.rate:g} events/s (s) | {p50:.3f} |",
        f"| lag p99 (s) | {p99:.3f} |",
        f"| events arrived in the lag run | {lagged} of {written} |",
        "",
        f"- >= {GOAL_PER_SECOND:g} deliveries/s per worker: **{throughput_met}**",
        f"- p99 lag < {GOAL_P99_SECONDS:g} s when not backlogged: **{lag_met}**",
        "",
    ]
    text = "\n".join(lines)
    RESULTS.write_text(text)
    link_from_index(RESULTS, "Webhooks (one worker's deliveries)",
                    "written by `bench/webhooks.py` (`make bench` runs it).")
    print(text)


if __name__ == "__main__":
    main()
