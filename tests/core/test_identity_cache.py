"""The identity cache (app/core/identity_cache.py): tenant, auth_token and
host look-ups come from memory, and a change committed by anyone empties the
cache of every process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from app.core.db import utcnow
from app.core.identity_cache import LISTENER_NAME, UNCHANGED, IdentityCache, identity_cache
from app.extensions import db
from app.factory import create_app
from app.modules.access import HostRole
from app.modules.hosts.models import ApiToken
from app.modules.hosts.resolvers import tenant_at
from app.modules.tenants.models import Company
from tests.helpers import (
    BACKEND,
    REPO_ROOT,
    confera,
    free_port,
    settings_env,
    wait_for_http,
    wait_until,
)

postgres_only = pytest.mark.postgres_only


def listening(app: Flask) -> IdentityCache:
    with app.app_context():
        cache = identity_cache()
    wait_until(cache.usable, "listening", 5.0)
    return cache


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL the app sends while the block runs."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def libpq_url(app: Flask) -> str:
    with app.app_context():
        return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def admin(make_reseller, token_for):  # type: ignore[no-untyped-def]
    reseller = make_reseller()
    return {"host_name": reseller["admin_company"]["host_name"],
            "host_id": reseller["admin"]["id"], "token": token_for(reseller["admin"]),
            "company_id": reseller["admin_company"]["id"], "reseller": reseller}


@pytest.fixture
def get_self(api, admin):  # type: ignore[no-untyped-def]
    """The admin's host/get of its own record, through the app's test client."""
    return lambda: api("host/get", admin["host_name"], admin["token"], host_id=admin["host_id"])


def test_the_cache_is_on_only_where_changes_can_be_heard(app, settings):
    with app.app_context():
        assert identity_cache().enabled is (BACKEND == "postgresql")  # SQLite has no NOTIFY
    assert not IdentityCache(None, 60).usable()
    assert not IdentityCache("postgresql://postgres@127.0.0.1:5432/postgres", 0).usable()


@postgres_only
def test_a_repeated_host_get_sends_no_sql(app, admin, get_self):
    listening(app)
    for _ in range(2):  # the first fills the cache and marks the token used
        assert get_self().status_code == 200
    with statements(app) as seen:
        response = get_self()
    assert response.status_code == 200
    assert response.json["host_id"] == admin["host_id"]
    assert seen == []  # tenant, token and host all from memory


@postgres_only
def test_rows_changed_with_psql_show_at_once(app, api, admin, get_self):
    listening(app)
    assert get_self().json["name"] != "Renamed by psql"
    api("company/get", admin["host_name"], admin["token"], company_id=admin["company_id"])
    with psycopg.connect(libpq_url(app)) as conn:  # outside the app: the triggers tell
        conn.execute("UPDATE hosts SET name = 'Renamed by psql' WHERE id = %s",
                     (admin["host_id"],))
        conn.execute("UPDATE companies SET name = 'Renamed by psql' WHERE id = %s",
                     (admin["company_id"],))

    def renamed() -> bool:
        host = get_self()
        company = api("company/get", admin["host_name"], admin["token"],
                      company_id=admin["company_id"])
        return (host.json["name"], company.json["name"]) == ("Renamed by psql",) * 2

    assert wait_until(renamed, "the new names", 2.0) < 1.0


@postgres_only
def test_logout_through_another_process_refuses_the_token_everywhere(app, settings, admin,
                                                                    get_self):
    other = create_app(settings)  # another web process: its own cache and listener
    listening(app), listening(other)
    headers = {"Host": admin["host_name"]}
    for _ in range(3):
        assert get_self().status_code == 200
    assert other.test_client().post("/enterprise_api/logout", json={"auth_token": admin["token"]},
                                    headers=headers).status_code == 200
    # The other process's NOTIFY reaches this one's listener thread.
    seconds = wait_until(lambda: get_self().status_code == 401,
                         "the token refused", 2.0)
    assert seconds < 1.0


@postgres_only
def test_a_company_deactivated_with_core_sql_stops_resolving_everywhere(app, settings, admin,
                                                                       get_self):
    other = create_app(settings)
    listening(app)
    assert get_self().status_code == 200
    with other.app_context(), db.engine.begin() as conn:  # not the ORM: a Core UPDATE
        conn.execute(sa.update(Company).where(Company.id == admin["company_id"])
                     .values(active=False))
    wait_until(lambda: get_self().status_code == 404,
               "the host name unresolved", 2.0)


@postgres_only
def test_bookkeeping_writes_empty_nothing(app, get_self):
    """A token's last_used_at is written as calls come in; no look-up returns it."""
    cache = listening(app)
    get_self()
    time.sleep(0.2)  # notices of the fixtures' writes have arrived
    before = cache.generation
    with psycopg.connect(libpq_url(app)) as conn:  # whoever writes: the triggers decide
        conn.execute("UPDATE api_tokens SET last_used_at = now()")
    with app.app_context():
        db.session.execute(sa.update(ApiToken).values(last_used_at=utcnow())
                           .execution_options(**{UNCHANGED: True}))
        db.session.commit()
    time.sleep(0.2)  # a notice, had one been sent, would have arrived
    assert cache.generation == before
    with psycopg.connect(libpq_url(app)) as conn:
        conn.execute("UPDATE api_tokens SET expires_at = expires_at + interval '1 day'")
    wait_until(lambda: cache.generation > before, "the cache emptied", 2.0)


@postgres_only
def test_a_token_revoked_with_psql_is_refused_at_once(app, get_self):
    listening(app)
    assert get_self().status_code == 200
    with psycopg.connect(libpq_url(app)) as conn:  # outside the app: the trigger tells
        conn.execute("UPDATE api_tokens SET revoked_at = now()")
    seconds = wait_until(lambda: get_self().status_code == 401,
                         "the token refused", 2.0)
    assert seconds < 1.0


@postgres_only
def test_a_notice_the_listener_has_not_taken_in_is_not_overlooked(app, admin):
    """After a change commits, the listener thread may wait for the GIL before it
    empties the cache; a look-up in between must not trust the cache."""
    listening(app)
    with app.test_request_context():
        tenant_at(admin["host_name"])  # cached
    rename = ("import psycopg, sys, time\n"
              "with psycopg.connect(sys.argv[1]) as conn:\n"
              "    conn.execute(\"UPDATE companies SET name = 'Renamed' WHERE id = %s\","
              " (int(sys.argv[2]),))\n"
              "print(time.monotonic())")
    interval = sys.getswitchinterval()
    sys.setswitchinterval(60.0)  # this thread keeps the GIL while it computes
    try:
        writer = subprocess.Popen([sys.executable, "-c", rename, libpq_url(app),
                                   str(admin["company_id"])], stdout=subprocess.PIPE, text=True)
        deadline = time.perf_counter() + 4.0
        while time.perf_counter() < deadline:  # no I/O: the listener cannot run
            pass
        with app.test_request_context():
            looked_up_at = time.monotonic()
            name = tenant_at(admin["host_name"]).name  # type: ignore[union-attr]
    finally:
        sys.setswitchinterval(interval)
    committed_at = float(writer.communicate(timeout=10)[0])
    assert committed_at < looked_up_at, "the change came too late to test anything"
    assert name == "Renamed"


@postgres_only
def test_a_fill_that_raced_a_change_is_not_kept(app):
    cache = listening(app)
    started_under = cache.generation
    cache.invalidate()  # a change lands while the fill is reading
    cache.put("company_at", "example.test", object(), started_under)
    assert cache.get("company_at", "example.test") is None
    value = object()
    cache.put("company_at", "example.test", value, cache.generation)
    assert cache.get("company_at", "example.test") is value


@postgres_only
def test_nothing_is_cached_while_no_one_listens():
    cache = IdentityCache(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres", 60)
    assert not cache.usable()
    time.sleep(0.3)  # the listener has tried and failed
    assert not cache.usable()
    cache.put("company_at", "example.test", object(), cache.generation)
    assert cache.get("company_at", "example.test") is None
    cache.stop()


@postgres_only
def test_a_lost_listening_connection_is_replaced_and_the_cache_emptied(app):
    cache = listening(app)
    cache.put("company_at", "example.test", object(), cache.generation)
    with psycopg.connect(libpq_url(app), autocommit=True) as conn:
        killed = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()", (LISTENER_NAME,)
        ).fetchall()
    assert killed, "the listener's connection was not found"
    wait_until(lambda: cache.get("company_at", "example.test") is None, "emptied", 2.0)
    wait_until(cache.usable, "listening again on a new connection", 5.0)


@contextmanager
def two_gunicorn_workers(settings, admin) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A real ``confera web`` with two worker processes, each with its cache;
    yields its enterprise_api URL once both have served host/get."""
    port = free_port()
    web = confera("web", "--port", str(port),
                  env=settings_env(settings, WEB_WORKERS="2", WEB_THREADS="2"))
    url = f"http://127.0.0.1:{port}/enterprise_api"
    try:
        wait_for_http(f"{url}/host/get", admin["host_name"])
        time.sleep(1.0)  # both workers listening
        yield url
    finally:
        web.terminate()
        web.wait(timeout=15)


# Run in a process of its own: forking this test process, with the listener
# threads of every app the suite made, could copy a lock one of them holds.
FORK_CHECK = """
import os, sys
from app.factory import create_app
from app.core.identity_cache import identity_cache
from tests.helpers import wait_until

with create_app().app_context():
    cache = identity_cache()
wait_until(cache.usable, "the parent listening", 5.0)
cache.put("company_at", "example.test", "the parent's", cache.generation)
parent_socket = cache._socket
pid = os.fork()
if pid == 0:
    if cache.get("company_at", "example.test") is not None:
        os._exit(11)  # the parent's entry survived the fork
    wait_until(cache.usable, "the child listening", 5.0)
    os._exit(0 if cache._socket not in (None, parent_socket) else 12)
status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
sys.exit(status or (0 if cache.get("company_at", "example.test") == "the parent's" else 13))
"""


@postgres_only
def test_a_forked_child_listens_for_itself_and_keeps_nothing_of_its_parent(settings):
    """As gunicorn --preload forks workers from a master that may have used it."""
    check = subprocess.run([sys.executable, "-c", FORK_CHECK], env=settings_env(settings),
                           cwd=REPO_ROOT, timeout=60, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@postgres_only
def test_gunicorn_workers_refuse_a_token_as_soon_as_it_is_logged_out(settings, admin):
    """Every call on a new connection, so the calls spread over both workers."""
    headers = {"Host": admin["host_name"]}
    body = {"auth_token": admin["token"], "host_id": admin["host_id"]}
    with two_gunicorn_workers(settings, admin) as url:
        assert {httpx.post(f"{url}/host/get", json=body, headers=headers).status_code
                for _ in range(20)} == {200}
        assert httpx.post(f"{url}/logout", json={"auth_token": admin["token"]},
                          headers=headers).status_code == 200
        assert [httpx.post(f"{url}/host/get", json=body, headers=headers).status_code
                for _ in range(20)] == [401] * 20


@postgres_only
def test_gunicorn_workers_show_a_changed_host_as_soon_as_it_is_changed(settings, admin):
    headers = {"Host": admin["host_name"]}
    body = {"auth_token": admin["token"], "host_id": admin["host_id"]}
    with two_gunicorn_workers(settings, admin) as url:
        for name in ("First name", "Second name", "Third name"):
            assert httpx.post(f"{url}/host/update", json={**body, "name": name},
                              headers=headers).json()["name"] == name
            assert [httpx.post(f"{url}/host/get", json=body, headers=headers).json()["name"]
                    for _ in range(10)] == [name] * 10


@postgres_only
def test_host_get_from_the_cache_keeps_every_access_rule(app, api, admin, make_company, make_host,
                                                        token_for):
    listening(app)
    company = make_company(admin["reseller"])
    host, colleague = make_host(company), make_host(company)
    own_token = token_for(host)
    other = make_company(admin["reseller"])
    stranger = make_host(other)
    admin_of_company = make_host(company, HostRole.COMPANY_ADMIN)
    admin_token = token_for(admin_of_company)

    def statuses() -> list[int]:
        return [
            api("host/get", company["host_name"], own_token, host_id=host["id"]).status_code,
            api("host/get", company["host_name"], own_token,
                host_id=colleague["id"]).status_code,
            api("host/get", company["host_name"], admin_token,
                host_id=stranger["id"]).status_code,
            api("host/get", admin["host_name"], admin["token"],
                host_id=stranger["id"]).status_code,  # the reseller admin, another company
        ]

    assert statuses() == statuses() == statuses() == [200, 403, 404, 200]  # cold, then warm
    assert api("host/delete", company["host_name"], admin_token,
               host_id=colleague["id"]).status_code == 200
    assert api("host/get", company["host_name"], admin_token,
               host_id=colleague["id"]).status_code == 404
