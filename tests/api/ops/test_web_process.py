"""`confera web` as production runs it: gunicorn from app/gunicorn_conf.py,
probes, JSON logs with request id and tenant, Prometheus metrics summed over
its workers, and a SIGTERM that lets a request in flight finish."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.helpers import DEFAULT_PASSWORD, REPO_ROOT, free_port, settings_env, wait_until


@dataclass
class WebProcess:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.log.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def launch_web(settings: Settings, log: Path, **env: str) -> WebProcess:
    """`confera web` with its output in ``log`` (``ready`` waits for it)."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "web", "--port", str(port)],
                                cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env=settings_env(settings, LOG_FORMAT="json", **env))
    return WebProcess(proc, port, log)


def ready(web: WebProcess) -> WebProcess:
    wait_until(lambda: _answers(web.url + "/healthz") or web.proc.poll() is not None,
               "confera web answers /healthz", timeout=60)
    assert web.proc.poll() is None, web.log.read_text()
    return web


# Generous: a loaded machine (the whole suite, other processes) answers slowly.
TIMEOUT = 30.0


def get(url: str, **options: Any) -> httpx.Response:
    """A GET on a new connection: each may land on another worker."""
    return httpx.get(url, timeout=TIMEOUT, **options)


def post(url: str, **options: Any) -> httpx.Response:
    return httpx.post(url, timeout=TIMEOUT, **options)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


METRICS_TOKEN = "scrape-token-0123456789"


@pytest.fixture(scope="module")
def webs(settings: Settings, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[dict[str, WebProcess]]:
    """Three `confera web`, started together (each costs seconds): the
    plain one, with two workers; one guarded by a metrics token, which a
    test stops with SIGTERM; one whose database is a closed port."""
    folder = tmp_path_factory.mktemp("web")
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    launched = {
        "plain": launch_web(settings, folder / "plain.log", WEB_WORKERS="2", WEB_THREADS="2"),
        "guarded": launch_web(settings, folder / "guarded.log", WEB_WORKERS="1",
                              METRICS_TOKEN=METRICS_TOKEN, WEB_GRACEFUL_TIMEOUT_SECONDS="20"),
        "no_database": launch_web(settings, folder / "no_database.log", WEB_WORKERS="1",
                                  DATABASE_URL=closed),
    }
    try:
        yield {name: ready(web) for name, web in launched.items()}
    finally:
        for web in launched.values():
            web.proc.terminate()
        for web in launched.values():
            web.proc.wait(timeout=30)


@pytest.fixture
def web(webs: dict[str, WebProcess]) -> WebProcess:
    return webs["plain"]


@pytest.fixture
def company(make_reseller: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return dict(make_reseller())


def test_healthz_and_readyz_answer_200_on_any_host_name_without_a_tenant(
        web: WebProcess) -> None:
    for host in ("127.0.0.1", "nobody.example.invalid", "10.1.2.3:8080"):
        alive = get(web.url + "/healthz", headers={"Host": host})
        ready = get(web.url + "/readyz", headers={"Host": host})
        assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
        assert (ready.status_code, ready.json()) == (200, {"status": "ok", "failed": {}})


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(
        webs: dict[str, WebProcess]) -> None:
    broken = webs["no_database"]
    answer = get(broken.url + "/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "failed": {"database": "OperationalError"}}
    assert get(broken.url + "/healthz").status_code == 200
    wait_until(lambda: any("database failed" in line["message"] for line in broken.log_lines()
                           if line["level"] == "WARNING"), "the failure's details in the log")


def test_the_answer_echoes_the_callers_request_id_or_a_new_one(web: WebProcess) -> None:
    given = get(web.url + "/healthz", headers={"X-Request-ID": "lb-4711.a"})
    assert given.headers["X-Request-ID"] == "lb-4711.a"
    for bad in ("", "x" * 129, "evil\tinjected"):
        made = get(web.url + "/healthz", headers={"X-Request-ID": bad})
        assert len(made.headers["X-Request-ID"]) == 32
        assert made.headers["X-Request-ID"] != bad
    first, second = (get(web.url + "/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_a_json_log_line_carries_the_request_id_and_the_tenant(
        web: WebProcess, company: dict[str, Any]) -> None:
    host_name = company["admin_company"]["host_name"]
    answer = post(web.url + "/enterprise_api/authenticate",
                        headers={"Host": host_name, "X-Request-ID": "trace-tenant-1"},
                        json={"email": company["admin"]["email"], "password": "wrong-password"})
    assert answer.status_code == 401
    wait_until(lambda: _request_line(web, "trace-tenant-1"), "the request's log line")
    line = _request_line(web, "trace-tenant-1")
    assert line["tenant_id"] == company["admin_company"]["id"]
    assert (line["method"], line["path"], line["status"], line["dialect"]) == \
        ("POST", "/enterprise_api/authenticate", 401, "enterprise_api")


def _request_line(web: WebProcess, request_id: str) -> dict[str, Any] | None:
    return next((line for line in web.log_lines() if line.get("request_id") == request_id
                 and line["logger"] == "confera.request"), None)


def test_metrics_show_the_latency_histogram_of_each_dialect_over_every_worker(
        web: WebProcess, company: dict[str, Any]) -> None:
    host_name = company["admin_company"]["host_name"]
    calls = 6  # two workers: both answer some of them
    for _ in range(calls):
        post(web.url + "/enterprise_api/authenticate", headers={"Host": host_name},
                   json={"email": company["admin"]["email"], "password": DEFAULT_PASSWORD})
        get(web.url + "/bigbluebutton/api/getMeetings", headers={"Host": host_name})
    samples = _scrape(web)
    enterprise = 'confera_http_request_duration_seconds_count{dialect="enterprise_api",' \
                 'status="200"}'
    bbb = 'confera_http_request_duration_seconds_count{dialect="bbb",status="200"}'
    assert samples[enterprise] >= calls
    assert samples[bbb] >= calls
    assert 'confera_http_request_duration_seconds_bucket{dialect="bbb",le="30.0",' \
           'status="200"}' in samples


def test_metrics_show_the_job_queue_by_kind(web: WebProcess, app: Any) -> None:
    from datetime import timedelta

    from app.core.db import utcnow
    from app.extensions import db
    from app.jobs.queue import enqueue

    with app.app_context():
        enqueue("test.metrics", {}, run_at=utcnow() - timedelta(seconds=90))
        enqueue("test.metrics", {}, run_at=utcnow() + timedelta(hours=1))
        db.session.commit()
    samples = _scrape(web)
    assert samples['confera_jobs_pending{kind="test.metrics"}'] == 2
    assert samples['confera_jobs_due{kind="test.metrics"}'] == 1
    assert 90 <= samples['confera_jobs_oldest_due_age_seconds{kind="test.metrics"}'] < 120


def _scrape(web: WebProcess) -> dict[str, float]:
    answer = get(web.url + "/metrics")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in answer.text.splitlines() if line and not line.startswith("#")}


@pytest.mark.parametrize("headers", [
    {"X-Forwarded-For": "203.0.113.9"},  # came through the ingress
    {"Forwarded": "for=203.0.113.9"},
    "company",  # a company's host name
])
def test_metrics_are_not_there_for_the_public(web: WebProcess, company: dict[str, Any],
                                               headers: Any) -> None:
    if headers == "company":
        headers = {"Host": company["admin_company"]["host_name"]}
    answer = get(web.url + "/metrics", headers=headers)
    assert answer.status_code == 404
    assert "confera_" not in answer.text


def test_with_a_metrics_token_only_its_bearer_reads_metrics(
        webs: dict[str, WebProcess]) -> None:
    guarded = webs["guarded"]
    assert get(guarded.url + "/metrics").status_code == 404
    wrong = {"Authorization": "Bearer not-the-token"}
    assert get(guarded.url + "/metrics", headers=wrong).status_code == 404
    right = {"Authorization": f"Bearer {METRICS_TOKEN}", "X-Forwarded-For": "203.0.113.9"}
    assert get(guarded.url + "/metrics", headers=right).status_code == 200


def test_sigterm_lets_a_request_in_flight_finish(webs: dict[str, WebProcess],
                                                 company: dict[str, Any]) -> None:
    server = webs["guarded"]  # the last test to use it
    body = json.dumps({"email": company["admin"]["email"],
                       "password": DEFAULT_PASSWORD}).encode()
    head = (f"POST /enterprise_api/authenticate HTTP/1.1\r\n"
            f"Host: {company['admin_company']['host_name']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=20) as conn:
        conn.sendall(head + body[:10])  # the app is now reading the body
        time.sleep(0.5)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(1.0)  # the server is shutting down, the request still open
        assert server.proc.poll() is None
        conn.sendall(body[10:])
        answer = _read_all(conn)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", answer[:300]
    assert b'"auth_token"' in rest
    assert server.proc.wait(timeout=20) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/healthz", timeout=2.0)


def _read_all(conn: socket.socket) -> bytes:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)
