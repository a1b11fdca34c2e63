"""Benchmark: enterprise_api ``host/get`` against a bare Flask route (``make bench``).

A second baseline, the bare route plus one SELECT through SQLAlchemy Core,
shows what any answer from the database costs. All three are served by the
same gunicorn set-up (``gunicorn_args`` in app/cli.py: gthread workers,
WEB_WORKERS x WEB_THREADS, access log on) and loaded by wrk with the same
number of connections, in turn, so the machine's noise hits all of them.
They run against a throw-away PostgreSQL database (``confera_bench_<random>``
on 127.0.0.1:5432, created here and dropped at the end); host/get is
authenticated by an auth_token from ``/enterprise_api/authenticate``.

Prints the medians of the rounds, the ratios and the server CPU per request,
and writes them into bench/RESULTS.md. Needs ``wrk`` (``make bench`` installs
it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, the repo is not
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from app.cli import gunicorn_args  # noqa: E402
from app.config import Settings  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
LUA_SCRIPT = ROOT / "bench" / "lua" / "post.lua"
RESULTS = ROOT / "bench" / "RESULTS.md"
DOMAIN = "bench.localhost"
HOST_NAME = f"admin.{DOMAIN}"
ADMIN_EMAIL = f"admin@{DOMAIN}"
ADMIN_PASSWORD = "bench-password-123"  # a throw-away database
GOAL_THROUGHPUT_RATIO = 0.5
GOAL_P99_MS = 50.0
WRK_THREADS = 2
TARGETS = ("bare", "select", "host_get")
LABELS = {"bare": "bare", "select": "bare + one SELECT", "host_get": "host/get"}
SUSPECT_CPU_RATIO = 1.5
WRK_TIMEOUT = "10s"  # slow answers stay in the latency figures instead of becoming timeouts


class BenchError(Exception):
    """The benchmark cannot give an honest figure; it stops."""


@dataclass
class Target:
    name: str
    url: str
    host_header: str
    body: str


@dataclass
class Run:
    target: str
    round: int
    rps: float
    requests: int
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: dict[str, int] = field(default_factory=dict)
    web_cpu_ms: float = 0.0  # CPU of the server's processes per request
    db_cpu_ms: float = 0.0  # CPU of the PostgreSQL backends of its database per request

    @property
    def cpu_ms(self) -> float:
        return self.web_cpu_ms + self.db_cpu_ms


# --- wrk ---------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise BenchError(f"cannot read wrk's time {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str, target: str, round_: int) -> Run:
    """Requests/sec, the latency distribution and the error counts of wrk's report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s*(\d+) requests in ", output, re.M)
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M))
    if not rps or not total or len(pct) != 4:
        raise BenchError(f"cannot read wrk's report:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                     output)
    socket_errors = (dict(zip(("connect", "read", "write", "timeout"),
                              map(int, sock.groups()), strict=True)) if sock else {})
    return Run(
        target=target, round=round_, rps=float(rps.group(1)), requests=int(total.group(1)),
        p50_ms=_ms(pct["50"]), p75_ms=_ms(pct["75"]), p90_ms=_ms(pct["90"]),
        p99_ms=_ms(pct["99"]), non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors={k: v for k, v in socket_errors.items() if v},
    )


def run_wrk(target: Target, duration: int, connections: int, round_: int) -> Run:
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{duration}s",
           f"--timeout={WRK_TIMEOUT}", "--latency", "-s", str(LUA_SCRIPT), target.url]
    env = {**os.environ, "BENCH_BODY": target.body, "BENCH_HOST": target.host_header}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60,
                          check=False)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
    run = parse_wrk(proc.stdout, target.name, round_)
    if run.non_2xx:
        raise BenchError(f"{target.name}: {run.non_2xx} of {run.requests} answers were not "
                         f"2xx/3xx; the figures would be meaningless.\n{proc.stdout}")
    return run


# --- processes ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def post(url: str, host_header: str, payload: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST",
        headers={"Host": host_header, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, body.decode(errors="replace")


def cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BenchError(f"confera {' '.join(args)} failed:\n{proc.stderr}{proc.stdout}")
    return proc.stdout


class Server:
    """A gunicorn started with ``gunicorn_args``; only the WSGI application differs."""

    def __init__(self, name: str, settings: Settings, wsgi_app: str, env: dict[str, str],
                 log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        args = gunicorn_args(settings, "127.0.0.1", self.port)
        if args[-1] != "wsgi:app":
            raise BenchError(f"gunicorn_args changed shape; last argument is {args[-1]!r}")
        self.cmd = [sys.executable, *args[:-1], wsgi_app]
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        # A session of its own: the master and its workers are stopped as one group.
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, path: str, host_header: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} server exited:\n{self.log_tail()}")
            try:
                post(self.url(path), host_header, {})
                return
            except OSError:
                time.sleep(0.2)
        raise BenchError(f"{self.name} server did not answer in {timeout:.0f}s:\n"
                         f"{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
            except ProcessLookupError:
                pass
        self._log.close()


# --- CPU accounting ----------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # gone
    return text[text.rindex(")") + 2:].split()  # after "pid (comm) "


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime: fields 14, 15


def session_cpu_seconds(session_id: int) -> float:
    """User + system CPU of every live process in this session (a gunicorn
    master started with start_new_session, and its workers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        fields = _stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields and int(fields[3]) == session_id:  # field 6: session
            total += _cpu_seconds(fields)
    return total


def backend_cpu_seconds(db_name: str) -> float:
    """User + system CPU of the PostgreSQL backends connected to ``db_name``
    (same machine)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (db_name,))]
    total = 0.0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += _cpu_seconds(fields)
    return total


# --- database ----------------------------------------------------------------

def create_database() -> str:
    name = f"confera_bench_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


# --- machine -----------------------------------------------------------------

def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text(errors="replace")
    mem = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    load1, load5, _ = os.getloadavg()
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else "unknown",
        "memory": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gunicorn": metadata.version("gunicorn"),
        "flask": metadata.version("flask"),
        "postgresql": postgres_version(),
        "wrk": (wrk.stdout + wrk.stderr).splitlines()[0].strip() if wrk.stdout + wrk.stderr
        else "unknown",
        "load": f"{load1:.2f} (1 min), {load5:.2f} (5 min) before the run",
    }


# --- the benchmark -----------------------------------------------------------

def cpu_ms(medians: dict[str, float]) -> float:
    return medians["web_cpu_ms"] + medians["db_cpu_ms"]


def suspect_rounds(runs: list[Run], medians: dict[str, dict[str, float]]) -> list[Run]:
    """Rounds whose server CPU per request strays from their target's median by
    SUSPECT_CPU_RATIO or more: the same code did not get that much dearer or
    cheaper; the machine did (other load, a slower CPU for a while)."""
    return [run for run in runs
            if not 1 / SUSPECT_CPU_RATIO < run.cpu_ms / cpu_ms(medians[run.target])
            < SUSPECT_CPU_RATIO]


def summarize(runs: list[Run], target: str) -> dict[str, float]:
    mine = [r for r in runs if r.target == target]
    return {key: statistics.median(getattr(r, key) for r in mine)
            for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "web_cpu_ms", "db_cpu_ms")}


def bench(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    info = machine()
    db_name = create_database()
    tmp = Path(tempfile.mkdtemp(prefix="confera_bench_"))
    servers: list[Server] = []
    try:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{db_name}",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "CONFERA_ENV": "test",
            "CONFERA_INSTANCE_PATH": str(tmp / "instance"),
            "PYTHONUNBUFFERED": "1",
        }
        settings = Settings.from_env(env)
        print(f"database {db_name}; migrating and creating the reseller ...", flush=True)
        cli(env, "db", "upgrade")
        reseller = json.loads(cli(env, "create-reseller", "--name", "Bench", "--domain", DOMAIN,
                                  "--admin-email", ADMIN_EMAIL,
                                  "--admin-password", ADMIN_PASSWORD).strip().splitlines()[-1])
        if reseller["admin_host_name"] != HOST_NAME:
            raise BenchError(f"unexpected admin host name {reseller['admin_host_name']!r}")
        host_id = int(reseller["admin_host_id"])

        api = Server("host_get", settings, "wsgi:app", env, tmp)
        servers.append(api)
        bare = Server("bare", settings, "bench.bare_app:app", env, tmp)
        servers.append(bare)
        api.wait_ready("/enterprise_api/host/get", HOST_NAME)
        bare.wait_ready("/bare", HOST_NAME)

        status, body = post(api.url("/enterprise_api/authenticate"), HOST_NAME,
                            {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        if status != 200:
            raise BenchError(f"authenticate answered {status}: {body}")
        payload = {"auth_token": body["auth_token"], "host_id": host_id}
        status, body = post(api.url("/enterprise_api/host/get"), HOST_NAME, payload)
        if status != 200 or body.get("host_id") != host_id:
            raise BenchError(f"host/get answered {status}: {body}")
        status, bare_body = post(bare.url("/bare"), HOST_NAME, payload)
        if status != 200:
            raise BenchError(f"the bare route answered {status}: {bare_body}")
        status, select_body = post(bare.url("/bare/select"), HOST_NAME, payload)
        if status != 200 or select_body.get("id") != host_id:
            raise BenchError(f"the bare select route answered {status}: {select_body}")
        response_bytes = {"host_get": len(json.dumps(body)), "bare": len(json.dumps(bare_body)),
                          "select": len(json.dumps(select_body))}

        targets = {
            "bare": Target("bare", bare.url("/bare"), HOST_NAME, json.dumps(payload)),
            "select": Target("select", bare.url("/bare/select"), HOST_NAME, json.dumps(payload)),
            "host_get": Target("host_get", api.url("/enterprise_api/host/get"), HOST_NAME,
                               json.dumps(payload)),
        }
        for target in targets.values():
            print(f"warming up {target.name} for {args.warmup}s ...", flush=True)
            run_wrk(target, args.warmup, args.connections, 0)

        runs: list[Run] = []
        for round_ in range(1, args.rounds + 1):
            # Each target goes first, middle and last in turn.
            order = list(TARGETS[round_ % 3:] + TARGETS[:round_ % 3])
            for name in order:
                server = api if name == "host_get" else bare
                web_before, db_before = session_cpu_seconds(server.proc.pid), \
                    backend_cpu_seconds(db_name)
                run = run_wrk(targets[name], args.duration, args.connections, round_)
                run.web_cpu_ms = (session_cpu_seconds(server.proc.pid) - web_before) \
                    / run.requests * 1000
                # A backend that closed during the round takes its CPU with it:
                # the figure can only be too low, never below zero.
                run.db_cpu_ms = max(0.0, backend_cpu_seconds(db_name) - db_before) \
                    / run.requests * 1000
                runs.append(run)
                print(f"round {round_} {name:8s} {run.rps:9.1f} req/s  p50 {run.p50_ms:7.2f} ms"
                      f"  p99 {run.p99_ms:7.2f} ms  ({run.requests} requests"
                      f"{', socket errors ' + str(run.socket_errors) if run.socket_errors else ''}"
                      ")", flush=True)
    finally:
        for server in servers:
            server.stop()
        drop_database(db_name)
        shutil.rmtree(tmp, ignore_errors=True)

    medians = {name: summarize(runs, name) for name in TARGETS}
    b, h, q = medians["bare"], medians["host_get"], medians["select"]
    ratios = {"throughput": h["rps"] / b["rps"], "p50": h["p50_ms"] / b["p50_ms"],
              "p99": h["p99_ms"] / b["p99_ms"],
              # What the throughput ratio would be if server CPU were all that counted.
              "cpu": cpu_ms(b) / cpu_ms(h),
              "select_throughput": q["rps"] / b["rps"],
              "host_get_vs_select": h["rps"] / q["rps"]}
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": info, "args": args, "settings": settings, "runs": runs,
        "medians": medians, "ratios": ratios, "response_bytes": response_bytes,
        "suspect": suspect_rounds(runs, medians),
        "goal_throughput": ratios["throughput"] >= GOAL_THROUGHPUT_RATIO,
        "goal_p99": h["p99_ms"] < GOAL_P99_MS,
        "elapsed_s": time.monotonic() - started,
    }


def report(result: dict[str, Any]) -> str:
    """The console summary."""
    b, h, q = (result["medians"][name] for name in ("bare", "host_get", "select"))
    r = result["ratios"]
    lines = [
        "",
        f"medians of {result['args'].rounds} rounds, {result['args'].connections} connections:",
        f"  bare      {b['rps']:9.1f} req/s  p50 {b['p50_ms']:7.2f} ms  p99 {b['p99_ms']:7.2f} ms",
        f"  select    {q['rps']:9.1f} req/s  p50 {q['p50_ms']:7.2f} ms  p99 {q['p99_ms']:7.2f} ms",
        f"  host/get  {h['rps']:9.1f} req/s  p50 {h['p50_ms']:7.2f} ms  p99 {h['p99_ms']:7.2f} ms",
        f"  select / bare: throughput {r['select_throughput']:.0%}; "
        f"host/get / select: {r['host_get_vs_select']:.0%}",
        f"  host/get / bare: throughput {r['throughput']:.2f}x ({r['throughput']:.0%}), "
        f"p50 {r['p50']:.2f}x, p99 {r['p99']:.2f}x",
        f"  server CPU per request: bare {b['web_cpu_ms']:.2f} ms, select {cpu_ms(q):.2f} ms, "
        f"host/get "
        f"{h['web_cpu_ms']:.2f} ms web + {h['db_cpu_ms']:.2f} ms PostgreSQL; "
        f"bare / host/get {r['cpu']:.2f}x ({r['cpu']:.0%})",
        f"  goal >= {GOAL_THROUGHPUT_RATIO:.0%} of bare throughput: "
        f"{'met' if result['goal_throughput'] else 'NOT met'}; "
        f"p99 < {GOAL_P99_MS:.0f} ms: {'met' if result['goal_p99'] else 'NOT met'}",
        f"  suspect rounds: {_suspects(result['suspect'])}",
        f"  ({result['elapsed_s']:.0f}s in all)",
    ]
    return "\n".join(lines)


def _suspects(runs: list[Run]) -> str:
    if not runs:
        return "none"
    return "; ".join(f"round {run.round} {LABELS[run.target]} "
                     f"({run.cpu_ms:.2f} ms CPU per request)" for run in runs)


def markdown(result: dict[str, Any], command: str) -> str:
    args, settings, m = result["args"], result["settings"], result["machine"]
    b, h, q = (result["medians"][name] for name in ("bare", "host_get", "select"))
    r = result["ratios"]

    def yes(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    rows = "\n".join(
        f"| {run.round} | {LABELS[run.target]} "
        f"| {run.rps:.1f} | {run.requests} | {run.p50_ms:.2f} | {run.p90_ms:.2f} "
        f"| {run.p99_ms:.2f} | {run.web_cpu_ms:.3f} | {run.db_cpu_ms:.3f} | {run.non_2xx} "
        f"| {', '.join(f'{k} {v}' for k, v in run.socket_errors.items()) or '0'} |"
        for run in result["runs"]
    )
    return f"""# API benchmark: enterprise_api `host/get` against a bare Flask route

Written by `bench/api.py`; do not edit by hand, run it again.

- Command: `{command}` (that is `.venv/bin/python bench/api.py --duration {args.duration} \
--rounds {args.rounds} --connections {args.connections} --warmup {args.warmup}`)
- Date: {result['date']}
- Machine: {m['nproc']} CPUs (`nproc`), {m['cpu']} (/proc/cpuinfo), {m['memory']} RAM, \
Linux {m['kernel']}; load average {m['load']}
- Software: Python {m['python']}, gunicorn {m['gunicorn']}, Flask {m['flask']}, \
PostgreSQL {m['postgresql']} (127.0.0.1, same machine), {m['wrk']}

## Settings

- Both servers: `gunicorn_args()` from app/cli.py, unchanged but for the WSGI application \
(`wsgi:app` or `bench.bare_app:app`): `--worker-class gthread --workers \
{settings.web_workers} --threads {settings.web_threads}`, access log to a file, \
bound to 127.0.0.1. Both run for the whole benchmark; only one is loaded at a time.
- Load: `wrk -t{WRK_THREADS} -c{args.connections} -d{args.duration}s --timeout {WRK_TIMEOUT} \
--latency -s bench/lua/post.lua`, keep-alive connections, every request the same POST with a \
JSON body `{{"auth_token": ..., "host_id": N}}` and `Host: {HOST_NAME}`.
- Each server was warmed up for {args.warmup}s (discarded), then {args.rounds} rounds of \
{args.duration}s each of the three targets in turn (each goes first, middle and last in turn). \
Figures below are medians over the rounds.
- host/get: an authenticated call (auth_token in the body) by the reseller admin for its own \
host record, against a throw-away PostgreSQL database; every request resolves the tenant from \
the Host header, the token, validates the body and renders the host \
({result['response_bytes']['host_get']} bytes of JSON). The tenant, the token and the host \
record come from each worker's identity cache (`IDENTITY_CACHE_SECONDS` \
{settings.identity_cache_seconds:g}, app/core/identity_cache.py) once warm, so a warm host/get \
sends no SQL and opens no database session; the first call in each worker, and the first after \
any change to a reseller, company, host or token, reads PostgreSQL (that costs what \
"bare + one SELECT" shows, or more). `CONFERA_ENV=test` (it only changes start-up checks), a \
random `SECRET_KEY`, default pool settings.
- bare: `bench/bare_app.py`, a Flask app whose POST route parses the JSON body and \
answers a small JSON object ({result['response_bytes']['bare']} bytes); no database.
- bare + one SELECT: the same app's second route, which also reads the host row by id through \
SQLAlchemy Core in a transaction, on the same database and driver as the app \
({result['response_bytes']['select']} bytes): the least any answer from the database costs, \
with no ORM, tenant, token or schema.

## Results (medians of {args.rounds} rounds)

| | requests/s | p50 ms | p90 ms | p99 ms |
|---|---:|---:|---:|---:|
| bare | {b['rps']:.1f} | {b['p50_ms']:.2f} | {b['p90_ms']:.2f} | {b['p99_ms']:.2f} |
| bare + one SELECT | {q['rps']:.1f} | {q['p50_ms']:.2f} | {q['p90_ms']:.2f} | {q['p99_ms']:.2f} |
| host/get | {h['rps']:.1f} | {h['p50_ms']:.2f} | {h['p90_ms']:.2f} | {h['p99_ms']:.2f} |
| host/get / bare | **{r['throughput']:.2f}** ({r['throughput']:.0%}) \
| {r['p50']:.2f}x | {h['p90_ms'] / b['p90_ms']:.2f}x | {r['p99']:.2f}x |
| bare + one SELECT / bare | {r['select_throughput']:.2f} ({r['select_throughput']:.0%}) | | | |
| host/get / bare + one SELECT | {r['host_get_vs_select']:.2f} \
({r['host_get_vs_select']:.0%}) | | | |

Server CPU per request (user + system time of the gunicorn master and workers, and of the \
PostgreSQL backends of the bench database that lived through the round, over each round, \
divided by its requests; wrk's own \
CPU is not counted). It leaves out the load generator's share of the machine, but it still \
varies with the machine's other load:

| | web CPU ms/request | PostgreSQL CPU ms/request | total |
|---|---:|---:|---:|
| bare | {b['web_cpu_ms']:.3f} | {b['db_cpu_ms']:.3f} | {cpu_ms(b):.3f} |
| bare + one SELECT | {q['web_cpu_ms']:.3f} | {q['db_cpu_ms']:.3f} | {cpu_ms(q):.3f} |
| host/get | {h['web_cpu_ms']:.3f} | {h['db_cpu_ms']:.3f} | {cpu_ms(h):.3f} |
| bare / host/get | | | **{r['cpu']:.2f}** ({r['cpu']:.0%}) |

Goal of the issue: host/get at least {GOAL_THROUGHPUT_RATIO:.0%} of the bare route's \
throughput — {yes(result['goal_throughput'])} ({r['throughput']:.0%}); host/get p99 under \
{GOAL_P99_MS:.0f} ms — {yes(result['goal_p99'])} ({h['p99_ms']:.1f} ms).

### Every round

| round | target | requests/s | requests | p50 ms | p90 ms | p99 ms | web CPU ms/req \
| db CPU ms/req | non-2xx | socket errors |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
{rows}

## Caveats

- The machine has {m['nproc']} CPUs and is shared and noisy. wrk, both gunicorn masters, \
their workers and PostgreSQL all run on it, so the load generator takes CPU from the server \
it measures; absolute figures are low and vary from run to run by tens of percent. The ratios \
are the figures to watch: the three routes meet the same machine, the same gunicorn set-up and \
rotating rounds.
- Rounds whose server CPU per request is {SUSPECT_CPU_RATIO:g} times (or more) off their \
target's median, which the machine rather than the code explains: \
{_suspects(result['suspect'])}. A target's median holds while such rounds are fewer than \
half of its rounds.
- With {args.connections} connections against {settings.web_workers} x \
{settings.web_threads} threads, requests queue; the latency figures are mostly queueing time \
and grow with the connection count.
- host/get is measured warm: every request is served from the identity cache. What a request \
costs when it reads the database (a worker's first, or the first after a change) shows when \
the cache is off: `IDENTITY_CACHE_SECONDS=0 .venv/bin/python bench/api.py`.
- The settings are the application's defaults. `WEB_THREADS` became 4 (from 8) after runs of \
this benchmark with 8, 4 and 2 threads per worker, twice each, when host/get still read the \
database on every call: host/get cost 4.65/5.06, 4.45/4.35 and 3.70/3.56 ms of web CPU per \
request, at 339/324, 409/412 and 514/512 requests/s.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=10, help="seconds per round and target")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three targets")
    parser.add_argument("--connections", type=int, default=50, help="concurrent wrk clients")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per server")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="Markdown file to write (default: bench/RESULTS.md)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--command", default="make bench",
                        help="the command to cite in the results file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (`make bench` installs it: apt-get install wrk)")
    try:
        result = bench(args)
    except BenchError as exc:
        raise SystemExit(f"bench failed: {exc}") from None
    print(report(result))
    if not args.no_write:
        args.results.write_text(markdown(result, args.command))
        print(f"  written to {args.results}")


if __name__ == "__main__":
    main()
