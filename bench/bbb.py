"""Benchmark: BBB create + join pairs per minute (``make bench``).

One gunicorn as deployed (``gunicorn_args`` in app/cli.py, ``wsgi:app``) on a
throw-away PostgreSQL database (``confera_bench_<random>``, dropped at the
end). The load: P client processes x T threads, each with one keep-alive
connection, each looping over a pair of signed calls of the BBB API on the
reseller's admin company: ``create`` of a new meetingID (a room and a
session) then ``join`` of a moderator to it (a participant and its pass;
the 302 is not followed). Every call's checksum (SHA-1) is verified by the
server with the company's shared secret. Beside it, in the same run and with
the same clients, enterprise_api ``host/get`` (authenticated, served from
the identity cache): what a call costs that writes nothing. Rounds alternate.

Prints pairs per minute, requests per second, latency and server CPU per
call, and writes bench/RESULTS-bbb.md. Goal of issue E: >= 1000 pairs/min on
the 2-core machine (measured, not asserted).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, the repo is not
    sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from bench.api import (  # noqa: E402
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    DOMAIN,
    HOST_NAME,
    BenchError,
    Server,
    backend_cpu_seconds,
    cli,
    create_database,
    drop_database,
    machine,
    post,
    session_cpu_seconds,
)
from bench.results_index import link_from_index  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS-bbb.md"
GOAL_PAIRS_PER_MINUTE = 1000
TARGETS = ("bbb_pairs", "host_get")
LABELS = {"bbb_pairs": "BBB create + join pair", "host_get": "enterprise_api host/get"}


@dataclass
class Job:
    """What one client process does for ``duration`` seconds."""

    target: str
    port: int
    threads: int
    duration: float
    secret: str
    body: str  # host/get's JSON
    tag: str  # makes meetingIDs unique per process and round


@dataclass
class Run:
    target: str
    round: int
    units: int  # pairs, or host/get calls
    seconds: float
    latencies_ms: list[float]  # per unit
    web_cpu_ms: float = 0.0  # per unit
    db_cpu_ms: float = 0.0

    @property
    def per_minute(self) -> float:
        return self.units / self.seconds * 60

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


# --- the clients --------------------------------------------------------------

def signed(call: str, params: dict[str, str], secret: str) -> str:
    query = urlencode(params)
    return f"/bigbluebutton/api/{call}?{query}&checksum=" + \
        hashlib.sha1(f"{call}{query}{secret}".encode()).hexdigest()


def _pair(conn: http.client.HTTPConnection, job: Job, n: int) -> None:
    meeting = f"bench-{job.tag}-{n}"
    conn.request("GET", signed("create", {"meetingID": meeting, "name": "Bench",
                                          "moderatorPW": "mp", "attendeePW": "ap"}, job.secret),
                 headers={"Host": HOST_NAME})
    body = conn.getresponse().read()
    if b"<returncode>SUCCESS</returncode>" not in body:
        raise BenchError(f"create failed: {body[:300]!r}")
    conn.request("GET", signed("join", {"meetingID": meeting, "fullName": "Mo",
                                        "password": "mp"}, job.secret),
                 headers={"Host": HOST_NAME})
    answer = conn.getresponse()
    answer.read()
    if answer.status != 302:
        raise BenchError(f"join answered {answer.status}")


def _host_get(conn: http.client.HTTPConnection, job: Job, n: int) -> None:
    conn.request("POST", "/enterprise_api/host/get", body=job.body,
                 headers={"Host": HOST_NAME, "Content-Type": "application/json"})
    answer = conn.getresponse()
    answer.read()
    if answer.status != 200:
        raise BenchError(f"host/get answered {answer.status}")


def client_process(job: Job) -> tuple[int, list[float], str | None]:
    """Loop for ``job.duration`` seconds on ``job.threads`` connections: the
    units done, each one's latency, and the first error."""
    unit = _pair if job.target == "bbb_pairs" else _host_get
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + job.duration

    def loop(thread: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", job.port, timeout=30)
        n = 0
        mine: list[float] = []
        try:
            while time.monotonic() < deadline:
                started = time.perf_counter()
                unit(conn, job, thread * 10_000_000 + n)
                mine.append((time.perf_counter() - started) * 1000)
                n += 1
        except Exception as exc:  # a bench reports, it does not retry
            errors.append(repr(exc))
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(job.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors[0] if errors else None


def load(pool: ProcessPoolExecutor, target: str, args: argparse.Namespace, port: int,
         secret: str, body: str, round_: int) -> tuple[int, list[float], float]:
    jobs = [Job(target, port, args.threads, args.duration, secret, body, f"{round_}x{p}"
                f"x{secrets.token_hex(3)}") for p in range(args.processes)]
    started = time.monotonic()
    results = list(pool.map(client_process, jobs))
    elapsed = time.monotonic() - started
    for _, _, error in results:
        if error:
            raise BenchError(f"{target}: {error}")
    return (sum(r[0] for r in results), [ms for r in results for ms in r[1]], elapsed)


# --- the benchmark -------------------------------------------------------------

def bench(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    info = machine()
    db_name = create_database()
    tmp = Path(tempfile.mkdtemp(prefix="confera_bench_"))
    server: Server | None = None
    try:
        env = {**os.environ, "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{db_name}",
               "SECRET_KEY": secrets.token_urlsafe(32), "CONFERA_ENV": "test",
               "CONFERA_INSTANCE_PATH": str(tmp / "instance"), "PYTHONUNBUFFERED": "1"}
        settings = Settings.from_env(env)
        print(f"database {db_name}; migrating and creating the reseller ...", flush=True)
        cli(env, "db", "upgrade")
        reseller = json.loads(cli(env, "create-reseller", "--name", "Bench", "--domain", DOMAIN,
                                  "--admin-email", ADMIN_EMAIL,
                                  "--admin-password", ADMIN_PASSWORD).strip().splitlines()[-1])
        server = Server("bbb", settings, "wsgi:app", env, tmp)
        server.wait_ready("/enterprise_api/host/get", HOST_NAME)
        secret, body = _credentials(server, int(reseller["admin_host_id"]),
                                    int(reseller["admin_company_id"]))
        runs: list[Run] = []
        with ProcessPoolExecutor(args.processes) as pool:
            for target in TARGETS:
                print(f"warming up {target} for {args.warmup}s ...", flush=True)
                load(pool, target, argparse.Namespace(**{**vars(args),
                                                         "duration": args.warmup}),
                     server.port, secret, body, 0)
            for round_ in range(1, args.rounds + 1):
                order = TARGETS if round_ % 2 else TARGETS[::-1]
                for target in order:
                    runs.append(_measure(pool, server, db_name, target, args, secret, body,
                                         round_))
    finally:
        if server is not None:
            server.stop()
        drop_database(db_name)
        shutil.rmtree(tmp, ignore_errors=True)
    return {"runs": runs, "machine": info, "settings": settings, "args": args,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "elapsed_s": time.monotonic() - started}


def _credentials(server: Server, host_id: int, company_id: int) -> tuple[str, str]:
    """The admin company's BBB secret (enterprise_api company/get) and
    host/get's body."""
    status, answer = post(server.url("/enterprise_api/authenticate"), HOST_NAME,
                          {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    if status != 200:
        raise BenchError(f"authenticate answered {status}: {answer}")
    token = answer["auth_token"]
    status, host = post(server.url("/enterprise_api/host/get"), HOST_NAME,
                        {"auth_token": token, "host_id": host_id})
    if status != 200:
        raise BenchError(f"host/get answered {status}: {host}")
    status, company = post(server.url("/enterprise_api/company/get"), HOST_NAME,
                           {"auth_token": token, "company_id": company_id})
    if status != 200:
        raise BenchError(f"company/get answered {status}: {company}")
    return company["bbb_secret"], json.dumps({"auth_token": token, "host_id": host_id})


def _measure(pool: ProcessPoolExecutor, server: Server, db_name: str, target: str,
             args: argparse.Namespace, secret: str, body: str, round_: int) -> Run:
    web_before, db_before = session_cpu_seconds(server.proc.pid), backend_cpu_seconds(db_name)
    units, latencies, seconds = load(pool, target, args, server.port, secret, body, round_)
    run = Run(target, round_, units, seconds, latencies)
    run.web_cpu_ms = (session_cpu_seconds(server.proc.pid) - web_before) / max(units, 1) * 1000
    run.db_cpu_ms = max(0.0, backend_cpu_seconds(db_name) - db_before) / max(units, 1) * 1000
    print(f"round {round_} {target:9s} {run.per_minute:9.0f}/min  p50 {run.pct(0.5):7.1f} ms  "
          f"p99 {run.pct(0.99):7.1f} ms  CPU {run.web_cpu_ms:.2f} + {run.db_cpu_ms:.2f} ms",
          flush=True)
    return run


def medians(runs: list[Run], target: str) -> dict[str, float]:
    mine = [r for r in runs if r.target == target]
    return {"per_minute": statistics.median(r.per_minute for r in mine),
            "p50": statistics.median(r.pct(0.5) for r in mine),
            "p99": statistics.median(r.pct(0.99) for r in mine),
            "web_cpu_ms": statistics.median(r.web_cpu_ms for r in mine),
            "db_cpu_ms": statistics.median(r.db_cpu_ms for r in mine)}


def report(result: dict[str, Any]) -> str:
    pairs, host = (medians(result["runs"], t) for t in TARGETS)
    met = "met" if pairs["per_minute"] >= GOAL_PAIRS_PER_MINUTE else "NOT met"
    return "\n".join([
        f"bbb: {pairs['per_minute']:.0f} create+join pairs/min "
        f"(p50 {pairs['p50']:.1f} ms, p99 {pairs['p99']:.1f} ms per pair; server CPU "
        f"{pairs['web_cpu_ms']:.2f} ms web + {pairs['db_cpu_ms']:.2f} ms PostgreSQL per pair)",
        f"  host/get: {host['per_minute'] / 60:.0f} requests/s (CPU "
        f"{host['web_cpu_ms']:.2f} + {host['db_cpu_ms']:.2f} ms per request); one pair costs "
        f"{_cpu(pairs) / max(_cpu(host), 1e-9):.1f} host/gets of server CPU",
        f"  goal >= {GOAL_PAIRS_PER_MINUTE} pairs/min: {met} ({result['elapsed_s']:.0f}s in all)",
    ])


def _cpu(m: dict[str, float]) -> float:
    return m["web_cpu_ms"] + m["db_cpu_ms"]


def markdown(result: dict[str, Any], command: str) -> str:
    args, settings, m = result["args"], result["settings"], result["machine"]
    pairs, host = (medians(result["runs"], t) for t in TARGETS)
    rows = "\n".join(
        f"| {r.round} | {LABELS[r.target]} | {r.per_minute:.0f} | {r.units} "
        f"| {r.pct(0.5):.1f} | {r.pct(0.99):.1f} | {r.web_cpu_ms:.2f} | {r.db_cpu_ms:.2f} |"
        for r in result["runs"])
    goal = "**met**" if pairs["per_minute"] >= GOAL_PAIRS_PER_MINUTE else "**not met**"
    return f"""# BBB benchmark: create + join pairs per minute, beside host/get

Written by `bench/bbb.py`; do not edit by hand, run it again.

- Command: `{command}` (that is `.venv/bin/python bench/bbb.py --duration {args.duration} \
--rounds {args.rounds} --processes {args.processes} --threads {args.threads} \
--warmup {args.warmup}`)
- Date: {result['date']}
- Machine: {m['nproc']} CPUs, {m['cpu']}, {m['memory']} RAM, Linux {m['kernel']}; load \
average {m['load']}
- Software: Python {m['python']}, gunicorn {m['gunicorn']}, Flask {m['flask']}, \
PostgreSQL {m['postgresql']} (127.0.0.1, same machine)

## Settings

- One gunicorn: `gunicorn_args()` from app/cli.py (`wsgi:app`, gthread, \
{settings.web_workers} workers x {settings.web_threads} threads, access log on).
- Load: {args.processes} client processes x {args.threads} threads on this machine, one \
keep-alive connection each, {args.rounds} rounds of {args.duration}s per target (after \
{args.warmup}s of warm-up each), the targets alternating first and second.
- A pair: `create` of a new meetingID (name, both passwords; the server verifies the SHA-1 \
checksum with the company's secret, makes the integration room and starts its session) then \
`join` of a moderator by password (the participant and its pass; the 302 is not followed). \
A latency is the pair's two calls.
- host/get: an authenticated enterprise_api call served from the identity cache.

## Results (medians of {args.rounds} rounds)

| | per minute | p50 ms | p99 ms | web CPU ms | PostgreSQL CPU ms |
|---|---:|---:|---:|---:|---:|
| BBB create + join pair | **{pairs['per_minute']:.0f}** | {pairs['p50']:.1f} \
| {pairs['p99']:.1f} | {pairs['web_cpu_ms']:.2f} | {pairs['db_cpu_ms']:.2f} |
| host/get | {host['per_minute']:.0f} ({host['per_minute'] / 60:.0f}/s) | {host['p50']:.1f} \
| {host['p99']:.1f} | {host['web_cpu_ms']:.2f} | {host['db_cpu_ms']:.2f} |

One pair costs {_cpu(pairs) / max(_cpu(host), 1e-9):.1f} host/gets of server CPU. \
Goal of issue E: >= {GOAL_PAIRS_PER_MINUTE} pairs per minute on this machine — {goal}.

### Every round

| round | target | per minute | units | p50 ms | p99 ms | web CPU ms | PostgreSQL CPU ms |
|---:|---|---:|---:|---:|---:|---:|---:|
{rows}

## Caveats

- The clients, gunicorn and PostgreSQL share the machine's {m['nproc']} CPUs: the client \
processes take CPU from the server they measure, so absolute figures are low and vary by \
tens of percent from run to run. CPU per unit is the steadier figure.
- Every pair makes a new room, session and participant: the tables grow during the run, as \
they would in a day of meetings.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10, help="seconds per round and target")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=8, help="connections per process")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--command", default="make bench")
    args = parser.parse_args()
    try:
        result = bench(args)
    except BenchError as exc:
        raise SystemExit(f"bench failed: {exc}") from None
    print(report(result))
    if not args.no_write:
        args.results.write_text(markdown(result, args.command))
        link_from_index(args.results, "BBB API (create + join pairs)",
                        "written by `bench/bbb.py` (`make bench` runs it).")
        print(f"  written to {args.results}")


if __name__ == "__main__":
    main()
