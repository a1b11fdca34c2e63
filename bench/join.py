"""Benchmark: click "Join" on the meeting page -> first remote frame rendered.

Debian's Chromium (headless, fake camera and microphone) runs in a network
namespace joined by a veth pair (tests/netns.py); `confera web` and one
`confera sfu` listen on our end, on a throw-away PostgreSQL database. One
page joins first and publishes; then each of the timed joins opens the room
in a fresh page, clicks Join, and waits until the other person's video has a
frame (videoWidth > 0, polled every animation frame).

Baseline, in the same pages of the same run: from page load to the page's
own camera preview showing a frame (getUserMedia and rendering, no network).
Prints p50/p95 of both and their ratio; writes bench/RESULTS-join.md and
links it from bench/RESULTS.md. Goal of the issue: join p95 under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on sys.path, the repo is not
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from playwright.sync_api import Browser, sync_playwright  # noqa: E402

from bench.results_index import link_from_index  # noqa: E402
from tests.helpers import free_port  # noqa: E402
from tests.netns import Netns, veth_namespace  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
RESULTS = ROOT / "bench" / "RESULTS-join.md"
API_RESULTS = ROOT / "bench" / "RESULTS.md"
DOMAIN = "joinbench.localhost"
GOAL_P95_MS = 1000.0
REMOTE_FRAME = ("() => { const v = document.querySelector('.tile:not(.self) video');"
                " return Boolean(v && v.videoWidth > 0); }")
PREVIEW_FRAME = "() => document.getElementById('preview').videoWidth > 0"


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"confera {' '.join(args)} failed:\n{done.stderr}{done.stdout}")
    return done.stdout


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer in {timeout:.0f} s") from None
            time.sleep(0.2)


def room_url(env: dict[str, str], db_url: str, port: int) -> str:
    """Migrate, create a reseller, and return its admin's meeting room URL."""
    cli(env, "db", "upgrade")
    made = json.loads(cli(env, "create-reseller", "--name", "Join bench", "--domain", DOMAIN,
                          "--admin-email", f"admin@{DOMAIN}",
                          "--admin-password", secrets.token_urlsafe(12)).splitlines()[-1])
    with psycopg.connect(db_url) as conn:
        row = conn.execute("SELECT access_code FROM hosts WHERE id = %s",
                           (made["admin_host_id"],)).fetchone()
    assert row is not None
    return f"http://{made['admin_host_name']}:{port}/conf/call/{row[0]}"


def time_joins(browser: Browser, url: str, joins: int) -> tuple[list[float], list[float]]:
    """(join -> first remote frame, load -> first preview frame) in ms, per join."""
    publisher = browser.new_page()
    publisher.goto(url + "?name=Publisher&autojoin=1")
    publisher.wait_for_selector("#room", state="visible", timeout=20_000)
    join_ms, preview_ms = [], []
    try:
        for n in range(joins):
            page = browser.new_page()
            loaded = time.perf_counter()
            page.goto(url + f"?name=Viewer{n}")
            page.wait_for_function(PREVIEW_FRAME, polling="raf", timeout=20_000)
            preview_ms.append((time.perf_counter() - loaded) * 1000)
            clicked = time.perf_counter()
            page.click("#join")
            page.wait_for_function(REMOTE_FRAME, polling="raf", timeout=20_000)
            join_ms.append((time.perf_counter() - clicked) * 1000)
            page.click("#leave")
            page.wait_for_selector("#ended", state="visible")
            page.close()
            time.sleep(0.5)
    finally:
        publisher.close()
    return join_ms, preview_ms


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run(joins: int) -> dict[str, list[float]]:
    db_name = f"confera_joinbench_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    db_url = f"postgresql://postgres@127.0.0.1:5432/{db_name}"
    processes: list[subprocess.Popen[bytes]] = []
    tmp = Path(tempfile.mkdtemp(prefix="confera_joinbench_"))
    try:
        with veth_namespace("cfj") as ns:
            port, node_port = free_port(), free_port()
            env = {**os.environ, "DATABASE_URL": db_url, "CONFERA_ENV": "test",
                   "SECRET_KEY": secrets.token_urlsafe(32),
                   "CONFERA_INSTANCE_PATH": str(tmp / "instance"), "PUBLIC_SCHEME": "http",
                   "PUBLIC_PORT": str(port), "MEDIA_NODE_SECRET": secrets.token_urlsafe(24),
                   # The node reaches the web, and is reached, on the veth address.
                   "NODE_API_HOSTS": ns.host_address,
                   "MEDIA_NODE_ALLOWED_HOSTS": ns.host_address}
            url = room_url(env, db_url, port)
            log = (tmp / "servers.log").open("wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "app.cli", "web", "--host", ns.host_address,
                 "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log))
            wait_http(f"http://{ns.host_address}:{port}/enterprise_api/openapi.json")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "app.cli", "sfu"], cwd=ROOT, stdout=log, stderr=log,
                env={**env, "WEB_URL": f"http://{ns.host_address}:{port}",
                     "SFU_LISTEN_HOST": ns.host_address, "SFU_PORT": str(node_port),
                     "SFU_ICE_ADDRESSES": ns.host_address}))
            wait_http(f"http://{ns.host_address}:{node_port}/health")
            time.sleep(1.5)  # the node's first heartbeat registers it and fetches the key
            join_ms, preview_ms = measure(ns, tmp, url, joins)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    return {"join": join_ms, "preview": preview_ms}


def measure(ns: Netns, tmp: Path, url: str, joins: int) -> tuple[list[float], list[float]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=ns.chromium_wrapper(tmp),
                                             args=ns.chromium_args())
        try:
            return time_joins(browser, url, joins)
        finally:
            browser.close()


def markdown(result: dict[str, list[float]], joins: int, command: str) -> str:
    join, preview = result["join"], result["preview"]
    p50, p95 = percentile(join, 50), percentile(join, 95)
    b50, b95 = percentile(preview, 50), percentile(preview, 95)
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True,
                              text=True, check=False).stdout.strip()
    return f"""# Join benchmark: click "Join" -> first remote frame, in Chromium

Written by `bench/join.py`; do not edit by hand, run it again.

- Command: `{command}` (that is `.venv/bin/python bench/join.py --joins {joins}`)
- Date: {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
- Machine: {os.cpu_count()} CPUs, shared; {chromium}, headless, fake camera and microphone,
  in a network namespace joined by a veth pair; `confera web` and one `confera sfu` on
  PostgreSQL, all on this machine.

One page joins first and publishes. Each timed join opens the room in a fresh page,
clicks Join (join request to the web, WebSocket to the node, offer/answer, ICE, DTLS,
key frame request) and waits until the publisher's video has a frame
(`videoWidth > 0`, polled every animation frame); then it leaves. Baseline, in the same
pages: page load -> the page's own camera preview has a frame (getUserMedia and
rendering, no network).

| | p50 ms | p95 ms | max ms |
|---|---:|---:|---:|
| join -> first remote frame | {p50:.0f} | {p95:.0f} | {max(join):.0f} |
| baseline: load -> own preview frame | {b50:.0f} | {b95:.0f} | {max(preview):.0f} |
| ratio join / baseline | {p50 / b50:.2f}x | {p95 / b95:.2f}x | |

Goal of the issue: join p95 under {GOAL_P95_MS:.0f} ms — \
**{"met" if p95 < GOAL_P95_MS else "not met"}** ({p95:.0f} ms over {len(join)} joins).

Every join, ms: {", ".join(f"{v:.0f}" for v in join)}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--joins", type=int, default=20)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--command", default="make bench")
    args = parser.parse_args()
    result = run(args.joins)
    join, preview = result["join"], result["preview"]
    print(f"join -> first remote frame: p50 {percentile(join, 50):.0f} ms, "
          f"p95 {percentile(join, 95):.0f} ms over {len(join)} joins")
    print(f"baseline load -> own preview frame: p50 {percentile(preview, 50):.0f} ms, "
          f"p95 {percentile(preview, 95):.0f} ms; ratio p50 "
          f"{percentile(join, 50) / percentile(preview, 50):.2f}x")
    if not args.no_write:
        RESULTS.write_text(markdown(result, args.joins, args.command))
        link_from_index(RESULTS, "Joining in the browser", "written by `bench/join.py` "
                        "(`make bench` runs it after `bench/sfu.py`).", API_RESULTS)
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
