"""The identity cache (app/core/identity_cache.py): tenant and auth_token
look-ups come from memory, and a change made by any process empties the
cache of every process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.core.identity_cache import LISTENER_NAME, UNCHANGED, IdentityCache, identity_cache
from app.extensions import db
from app.modules.tenants.models import Company
from app.modules.tenants.operations import company_for_host_name
from tests.helpers import (
    BACKEND,
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
            "company_id": reseller["admin_company"]["id"]}


def test_the_cache_is_on_only_where_changes_can_be_heard(app, settings):
    with app.app_context():
        assert identity_cache().enabled is (BACKEND == "postgresql")  # SQLite has no NOTIFY
    assert not IdentityCache(None, 60).usable()
    assert not IdentityCache("postgresql://postgres@127.0.0.1:5432/postgres", 0).usable()


@postgres_only
def test_a_repeated_call_reads_only_the_document_itself(app, api, admin):
    listening(app)
    for _ in range(2):  # the first fills the cache and marks the token used
        assert api("host/get", admin["host_name"], admin["token"],
                   host_id=admin["host_id"]).status_code == 200
    with statements(app) as seen:
        response = api("host/get", admin["host_name"], admin["token"], host_id=admin["host_id"])
    assert response.status_code == 200
    assert len(seen) == 1, seen  # no tenant, no token: the host, read afresh
    assert "FROM hosts" in seen[0]


@postgres_only
def test_documents_are_read_afresh_even_where_the_cache_holds_the_row(app, api, admin):
    listening(app)
    api("company/get", admin["host_name"], admin["token"], company_id=admin["company_id"])
    with psycopg.connect(libpq_url(app)) as conn:  # outside SQLAlchemy: no NOTIFY
        conn.execute("UPDATE hosts SET name = 'Renamed by psql' WHERE id = %s",
                     (admin["host_id"],))
        conn.execute("UPDATE companies SET name = 'Renamed by psql' WHERE id = %s",
                     (admin["company_id"],))
    host = api("host/get", admin["host_name"], admin["token"], host_id=admin["host_id"])
    company = api("company/get", admin["host_name"], admin["token"],
                  company_id=admin["company_id"])
    assert (host.json["name"], company.json["name"]) == ("Renamed by psql", "Renamed by psql")


@postgres_only
def test_logout_through_another_process_refuses_the_token_everywhere(app, api, settings, admin):
    other = create_app(settings)  # another web process: its own cache and listener
    listening(app), listening(other)
    headers = {"Host": admin["host_name"]}
    for _ in range(3):
        assert api("host/get", admin["host_name"], admin["token"],
                   host_id=admin["host_id"]).status_code == 200
    assert other.test_client().post("/enterprise_api/logout", json={"auth_token": admin["token"]},
                                    headers=headers).status_code == 200
    # The other process's NOTIFY reaches this one's listener thread.
    seconds = wait_until(lambda: api("host/get", admin["host_name"], admin["token"],
                                     host_id=admin["host_id"]).status_code == 401,
                         "the token refused", 2.0)
    assert seconds < 1.0


@postgres_only
def test_a_company_deactivated_with_core_sql_stops_resolving_everywhere(app, api, settings,
                                                                       admin):
    other = create_app(settings)
    listening(app)
    assert api("host/get", admin["host_name"], admin["token"],
               host_id=admin["host_id"]).status_code == 200
    with other.app_context(), db.engine.begin() as conn:  # not the ORM: a Core UPDATE
        conn.execute(sa.update(Company).where(Company.id == admin["company_id"])
                     .values(active=False))
    wait_until(lambda: api("host/get", admin["host_name"], admin["token"],
                           host_id=admin["host_id"]).status_code == 404,
               "the host name unresolved", 2.0)


@postgres_only
def test_bookkeeping_writes_empty_nothing(app, api, admin):
    cache = listening(app)
    api("host/get", admin["host_name"], admin["token"], host_id=admin["host_id"])
    before = cache.generation
    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == admin["company_id"])
                           .values(name="Same").execution_options(**{UNCHANGED: True}))
        db.session.commit()
    time.sleep(0.2)  # a NOTIFY, had one been sent, would have arrived
    assert cache.generation == before
    with app.app_context():
        db.session.execute(sa.update(Company).where(Company.id == admin["company_id"])
                           .values(name="Changed"))
        db.session.commit()
    assert cache.generation > before


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


@postgres_only
def test_gunicorn_workers_refuse_a_token_as_soon_as_it_is_logged_out(settings, admin):
    """Two worker processes, each with its cache; every call on a new connection,
    so the calls spread over both."""
    port = free_port()
    web = confera("web", "--port", str(port),
                  env=settings_env(settings, WEB_WORKERS="2", WEB_THREADS="2"))
    url = f"http://127.0.0.1:{port}/enterprise_api"
    headers = {"Host": admin["host_name"]}
    body = {"auth_token": admin["token"], "host_id": admin["host_id"]}
    try:
        wait_for_http(f"{url}/host/get", admin["host_name"])
        time.sleep(1.0)  # both workers listening
        assert {httpx.post(f"{url}/host/get", json=body, headers=headers).status_code
                for _ in range(20)} == {200}
        assert httpx.post(f"{url}/logout", json={"auth_token": admin["token"]},
                          headers=headers).status_code == 200
        assert [httpx.post(f"{url}/host/get", json=body, headers=headers).status_code
                for _ in range(20)] == [401] * 20
    finally:
        web.terminate()
        web.wait(timeout=15)


def test_a_second_look_up_keeps_the_changes_made_since_the_first(app, admin):
    if BACKEND == "postgresql":
        listening(app)
    with app.test_request_context():
        company_for_host_name(admin["host_name"])  # fills the cache
        db.session.remove()
        tenant = company_for_host_name(admin["host_name"])  # from the cache
        assert tenant is not None
        tenant.name = "Changed, not yet flushed"
        again = company_for_host_name(admin["host_name"])  # a page's branding, say
        assert again is tenant and again.name == "Changed, not yet flushed"
        db.session.rollback()
