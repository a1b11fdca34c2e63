"""Shared fixtures.

The suite runs once per database: CONFERA_TEST_DB=postgresql (default; a
throw-away database on 127.0.0.1:5432, created and dropped here) or sqlite.
The schema is built by running the migrations.

Isolation: every test starts from empty tables (rows are deleted after each
test) rather than inside a rolled-back transaction, because many tests cross
process boundaries (gunicorn, workers killed mid-job) and those processes only
see committed data. Deleting a handful of rows costs about a millisecond.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.api.enterprise.schemas import host_create_schema
from app.config import Settings
from app.core import migrations
from app.core.db import Model
from app.extensions import db, limiter
from app.factory import create_app
from app.modules.access import HostRole
from app.modules.hosts.credentials import authenticate
from app.modules.hosts.models import Host
from app.modules.hosts.operations import add_host
from app.modules.tenants.models import Company, Tenant
from app.modules.tenants.operations import create_reseller
from app.protocol import node_api
from tests.helpers import BACKEND, DEFAULT_PASSWORD, PG_ADMIN_URL


def pytest_report_header() -> str:
    return f"confera test database: {BACKEND}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if BACKEND == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL only; runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"CONFERA_TEST_DB must be postgresql or sqlite, not {BACKEND!r}")
    name = f"confera_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # never skip: the PostgreSQL pass must run
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", returncode=3)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env(
        environ={},
        env="test",
        database_url=database_url,
        instance_path=str(tmp_path_factory.mktemp("instance")),
        secret_key="test-secret-key-" + secrets.token_hex(8),
        ratelimit_authenticate="1000 per minute",
        ratelimit_password_pages="1000 per minute",
        argon2_time_cost=1,  # real argon2id, cheap parameters: the suite hashes a lot
        argon2_memory_kib=1024,
        # The suite's nodes: real ones on loopback, registered ones under .test.
        media_node_allowed_hosts=("127.0.0.0/8", "localhost", "*.test"),
        webhook_allow_private=True,  # the receivers are on loopback
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    with app.app_context():
        migrations.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app: Flask) -> Iterator[None]:
    yield
    with app.app_context():
        db.session.remove()
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    for table in reversed(Model.metadata.sorted_tables):
                        conn.execute(table.delete())
                break
            except (sa.exc.OperationalError, sa.exc.IntegrityError) as exc:
                # A browser test's web process may still be writing what its
                # media node reports (participants leaving, their activity),
                # rows that this clean-up deletes in another order: a deadlock
                # PostgreSQL breaks by failing one side, or a row referring to
                # one about to go, written after its table was emptied. The
                # clean-up tries again.
                retried = isinstance(exc, sa.exc.IntegrityError) or "deadlock" in str(exc)
                if not retried or attempt == 4:
                    raise
                time.sleep(0.2)
        limiter.reset()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context for tests that call operations directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def snapshot(app: Flask) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table; compare two snapshots to prove nothing changed.
    (Rate-limit counters are no data: a refused call counts too.)"""

    def take() -> dict[str, list[tuple[Any, ...]]]:
        with app.app_context(), db.engine.connect() as conn:
            return {
                t.name: sorted(tuple(map(repr, row)) for row in conn.execute(sa.select(t)))
                for t in Model.metadata.sorted_tables if t.name != "rate_limit_counters"
            }

    return take


# -- factories: each returns a callable that commits and returns ids/values ------------


@pytest.fixture
def make_reseller(app: Flask) -> Callable[..., dict[str, Any]]:
    """A reseller with its admin company and one RESELLER_ADMIN host."""

    def make(domain: str | None = None, name: str = "Reseller") -> dict[str, Any]:
        domain = domain or f"r{uuid.uuid4().hex[:6]}.localhost"
        with app.app_context():
            company = create_reseller(name, domain)
            admin = _add_host(company, HostRole.RESELLER_ADMIN, f"admin@{domain}")
            db.session.commit()
            return {"reseller_id": company.reseller_id, "domain": domain,
                    "admin_company": _company_info(company), "admin": admin}

    return make


@pytest.fixture
def make_company(app: Flask) -> Callable[..., dict[str, Any]]:
    def make(reseller: dict[str, Any], subdomain: str | None = None,
             custom_domain: str | None = None, active: bool = True) -> dict[str, Any]:
        with app.app_context():
            company = Company(
                reseller_id=reseller["reseller_id"], subdomain=subdomain or _slug("c"),
                name="Company", custom_domain=custom_domain, openid_provider=False,
                embed_origins=[], branding={}, active=active,
            )
            db.session.add(company)
            db.session.commit()
            return _company_info(company)

    return make


@pytest.fixture
def make_host(app: Flask) -> Callable[..., dict[str, Any]]:
    def make(company: dict[str, Any], role: HostRole = HostRole.HOST,
             email: str | None = None, **fields: Any) -> dict[str, Any]:
        with app.app_context():
            model = db.session.get(Company, company["id"])
            assert model is not None
            email = email or f"{_slug('h')}@example.test"
            host = _add_host(Tenant.of(model), role, email, **fields)
            db.session.commit()
            return host

    return make


@pytest.fixture
def token_for(app: Flask) -> Callable[[dict[str, Any]], str]:
    """An auth_token for a host made by make_host/make_reseller."""

    def token(host: dict[str, Any]) -> str:
        with app.app_context():
            model = db.session.get(Host, host["id"])
            assert model is not None
            value = authenticate(Tenant.of(model.company), model.email, DEFAULT_PASSWORD)
            db.session.commit()
            return value

    return token


@pytest.fixture
def api(client: FlaskClient) -> Callable[..., Any]:
    """POST an enterprise_api call: api(path, host_name, token=None, **body)."""

    def call(path: str, host_name: str, token: str | None = None, **body: Any) -> Any:
        if token is not None:
            body["auth_token"] = token
        return client.post(f"/enterprise_api/{path}", json=body, headers={"Host": host_name})

    return call


def _add_host(company: Tenant, role: HostRole, email: str, **fields: Any) -> dict[str, Any]:
    data = host_create_schema.load({
        "company_id": company.id, "name": f"{role.value.title()} {email}", "email": email,
        "password": DEFAULT_PASSWORD, "role": role.value, "no_welcome_email": True, **fields,
    })
    host = add_host(company, data).host
    return {"id": host.id, "email": host.email, "role": role, "company_id": company.id,
            "access_code": host.access_code, "host_name": company.host_name}


def _company_info(company: Company | Tenant) -> dict[str, Any]:
    return {"id": company.id, "host_name": company.host_name,
            "reseller_id": company.reseller_id, "subdomain": company.subdomain}


def _slug(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """A second app on the test database with changed settings, e.g. the
    worker's: ``app_with(smtp_url=smtp_server.url)``."""
    apps: list[Flask] = []

    def make(**changes: Any) -> Flask:
        apps.append(create_app(settings.with_(**changes)))
        return apps[-1]

    yield make
    for made in apps:
        with made.app_context():
            db.engine.dispose()


@pytest.fixture
def beat(client: FlaskClient, settings: Settings) -> Callable[..., Any]:
    """beat(node_id, participants=0, ...): a media node's signed heartbeat."""

    def send(node_id: str, *, participants: int = 0, forwarded_streams: int = 0,
             cpu: float = 0.0, draining: bool = False, max_participants: int = 0,
             url: str | None = None, on: FlaskClient | None = None,
             leaving: bool = False) -> Any:
        heartbeat = node_api.Heartbeat(
            node_id=node_id, url=url or f"ws://{node_id}.test:7880",
            control_url=f"http://{node_id}.test:7880", started_at=time.time(),
            load=node_api.NodeLoad(participants=participants, cpu=cpu,
                                   forwarded_streams=forwarded_streams,
                                   max_participants=max_participants),
            draining=draining, leaving=leaving)
        body = heartbeat.to_json().encode()
        return (on or client).post(node_api.HEARTBEAT_PATH, data=body,
                                   headers=node_api.signed_headers(settings.media_node_secret,
                                                                   body))

    return send
