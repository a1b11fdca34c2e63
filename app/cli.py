"""The ``confera`` command: every process of the platform and the operator's tools."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from app.config import ConfigError, Settings
from app.demo import DEMO
from app.environment import is_loopback

# Each command imports what it runs inside its own function: `confera sfu`
# (one media process per core) must not load Flask, SQLAlchemy or the domain.
if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent  # gunicorn's --chdir: wsgi.py is there
NODE_PORT_OFFSET = 2880  # `confera dev`: the media node listens on PORT + this
EGRESS_PORT_OFFSET = 2890  # `confera dev`: the egress listens on PORT + this
def _app() -> Flask:
    from app.factory import create_app

    try:
        return create_app(Settings.from_env())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def main() -> None:
    """Confera: self-hostable, white-label video meetings."""
    from app.logs import LogSettings, configure_logging

    try:
        configure_logging(LogSettings.from_env().chosen)  # LOG_FORMAT: text or json
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group("db")
def db_group() -> None:
    """Schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from app.core import migrations

    app = _app()
    with app.app_context():
        migrations.upgrade(revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION (`base`: empty)."""
    from app.core import migrations

    with _app().app_context():
        migrations.downgrade(revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="A short slug for the file name.")
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from app.core import migrations

    with _app().app_context():
        migrations.revision(message)


@main.command("create-reseller")
@click.option("--name", required=True)
@click.option("--domain", required=True, help="Companies live on <subdomain>.<domain>.")
@click.option("--admin-email", required=True)
@click.option("--admin-password", required=True)
@click.option("--admin-subdomain", default="admin", show_default=True)
@click.option("--if-absent", is_flag=True, help="Print the existing reseller instead of failing.")
def create_reseller_command(name: str, domain: str, admin_email: str, admin_password: str,
                            admin_subdomain: str, if_absent: bool) -> None:
    """Create a reseller, its admin company and its first RESELLER_ADMIN; print them as JSON."""
    with _app().app_context():
        click.echo(json.dumps(_create_reseller(
            name, domain, admin_email, admin_password, admin_subdomain, if_absent
        )))


def _create_reseller(name: str, domain: str, email: str, password: str, subdomain: str,
                     if_absent: bool) -> dict[str, Any]:
    from marshmallow import ValidationError

    from app.api.enterprise.schemas import host_create_schema
    from app.errors import AppError
    from app.extensions import db
    from app.modules.access import HostRole
    from app.modules.hosts.operations import add_host, first_host_with_role
    from app.modules.tenants.operations import (
        company_url,
        create_reseller,
        reseller_admin_company,
    )

    company = reseller_admin_company(domain)
    if company is not None and if_absent:
        admin = first_host_with_role(company, HostRole.RESELLER_ADMIN)
    else:
        try:
            company = create_reseller(name, domain, subdomain)
            # The same checks as host/create (a valid email, a long enough password).
            data = host_create_schema.load({
                "company_id": company.id, "name": f"{name} admin", "email": email,
                "password": password, "role": "RESELLER_ADMIN", "no_welcome_email": True,
            })
            admin = add_host(company, data).host
        except AppError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.message} {exc.errors or ''}".strip()) from exc
        except ValidationError as exc:
            db.session.rollback()
            raise click.ClickException(f"invalid input: {exc.messages}") from exc
        db.session.commit()
    return {
        "reseller_id": company.reseller_id, "admin_company_id": company.id,
        "admin_host_id": admin.id if admin else None, "admin_host_name": company.host_name,
        "api_url": company_url(company, "/enterprise_api/"),
        "admin_meeting_url": admin.meeting_url if admin else None,
    }


@main.command("demo")
def demo_command() -> None:
    """Make sure the demo reseller exists and print how to reach it (used by `make run`)."""
    from app.demo import banner

    with _app().app_context():
        info = _create_reseller(DEMO["name"], DEMO["domain"], DEMO["admin_email"],
                                DEMO["admin_password"], "admin", if_absent=True)
        text = banner(info)
    click.echo(text)


@main.command("web")
@click.option("--host", "bind_host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 in a container).")
@click.option("--port", type=int, default=None, help="Default: PORT.")
def web_command(bind_host: str, port: int | None) -> None:
    """Serve the web application with gunicorn."""
    settings = _settings()
    if settings.env == "development" and not is_loopback(bind_host):
        raise click.ClickException(f"CONFERA_ENV=development serves loopback only, not "
                                   f"{bind_host}: its secrets are generated, not given")
    os.execvp(sys.executable, [sys.executable, *gunicorn_args(settings, bind_host, port)])


def gunicorn_args(settings: Settings, bind_host: str, port: int | None) -> list[str]:
    """gunicorn's command line (after the interpreter): app/gunicorn_conf.py for
    timeouts, graceful shutdown, forwarded headers, logs and metrics; the
    address, workers and threads of ``settings`` (flags win over the file)."""
    return [
        "-m", "gunicorn", "--config", str(ROOT / "app" / "gunicorn_conf.py"),
        "--chdir", str(ROOT),
        "--bind", f"{bind_host}:{port or settings.port}",
        "--worker-class", "gthread", "--workers", str(settings.web_workers),
        "--threads", str(settings.web_threads),
        "wsgi:app",
    ]


@main.command("sfu")
@click.option("--port", type=int, default=None, help="Default: SFU_PORT.")
def sfu_command(port: int | None) -> None:
    """Run a media node (WebRTC forwarding) until stopped."""
    import asyncio

    from app.sfu.config import NodeConfigError, NodeSettings
    from app.sfu.server import run_node

    try:
        settings = NodeSettings.from_env()
        if port:
            settings = dataclasses.replace(settings, port=port).completed()
    except NodeConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    asyncio.run(run_node(settings))


@main.command("egress")
@click.option("--port", type=int, default=None, help="Default: EGRESS_PORT.")
def egress_command(port: int | None) -> None:
    """Run an egress process (live stream, recording, broadcast, snapshot) until stopped."""
    import asyncio

    from app.egress.config import EgressConfigError, EgressSettings
    from app.egress.server import run_egress
    from app.storage import StorageError, open_storage

    try:
        settings = EgressSettings.from_env()
        if port:
            settings = dataclasses.replace(settings, port=port).completed()
        store = open_storage(settings.storage_url, s3_endpoint_url=settings.s3_endpoint_url,
                             bucket_per_company=settings.storage_bucket_per_company)
    except (EgressConfigError, StorageError) as exc:
        raise click.ClickException(str(exc)) from exc
    asyncio.run(run_egress(settings, store))


@main.command("worker")
@click.option("--once", is_flag=True, help="Run the due jobs, then exit.")
@click.option("--check", is_flag=True,
              help="Exit 0 if a worker loop here took a turn recently and the database "
                   "answers, else 1 (an exec liveness probe).")
def worker_command(once: bool, check: bool) -> None:
    """Run durable jobs (mail, webhooks, ...) until stopped."""
    from app.jobs.worker import Worker

    if check:
        _check_worker()
        return
    worker = Worker(_app())
    if once:
        click.echo(f"{worker.run_until_idle()} jobs run")
    else:
        worker.run()


def _check_worker() -> None:
    # A probe runs every few seconds: the settings and one connection, not the app.
    import sqlalchemy as sa

    from app.jobs.liveness import why_not_alive

    settings = _settings()
    problem = why_not_alive(settings)
    if problem is None:
        engine = sa.create_engine(settings.sqlalchemy_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            problem = f"the database does not answer: {str(exc).splitlines()[0]}"
    if problem is not None:
        raise click.ClickException(problem)
    click.echo("ok")


@main.command("dev")
@click.option("--port", type=int, default=None, help="Default: PORT.")
def dev_command(port: int | None) -> None:
    """Every process of the platform on this machine, until Ctrl-C."""
    # Development unless chosen otherwise: secrets generated into the instance
    # folder, every process on loopback. The children inherit the choice.
    os.environ.setdefault("CONFERA_ENV", "development")
    settings = _settings()
    me = [sys.executable, "-m", "app.cli"]
    web_port = port or settings.port
    node_env = dev_node_environment(settings, web_port, os.environ)
    _echo_node(node_env)
    egress_env = dev_egress_environment(settings, web_port, os.environ)
    procs = [
        subprocess.Popen([*me, "web", "--port", str(web_port)]),
        subprocess.Popen([*me, "worker"]),
        subprocess.Popen([*me, "sfu"], env=node_env),
        subprocess.Popen([*me, "egress"], env=egress_env),
    ]
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in procs):
        time.sleep(0.5)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        p.wait(timeout=30)
    failed = [p for p in procs if p.returncode not in (0, -signal.SIGTERM)]
    if failed and not stopping:
        raise click.ClickException("a platform process exited; see its log above")


def dev_node_environment(settings: Settings, web_port: int,
                         environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of `confera dev`'s media node: beside the web, on
    loopback, needing no network at all. Its port follows the web's (5000 ->
    7880), so two checkouts on PORT=5000 and PORT=5100 do not clash; what the
    environment sets (SFU_PORT ...) still wins."""
    return {"WEB_URL": f"http://127.0.0.1:{web_port}",
            "MEDIA_NODE_SECRET": settings.media_node_secret,
            "SFU_ICE_ADDRESSES": "127.0.0.1",
            "SFU_PORT": str(web_port + NODE_PORT_OFFSET), **environ}


def dev_egress_environment(settings: Settings, web_port: int,
                           environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of `confera dev`'s egress: beside the web and the node,
    on loopback, writing to the web's storage; its port follows the web's
    (5000 -> 7890). What the environment sets still wins."""
    return {"WEB_URL": f"http://127.0.0.1:{web_port}",
            "MEDIA_NODE_SECRET": settings.media_node_secret,
            "STORAGE_URL": settings.resolved_storage_url,
            "EGRESS_ICE_ADDRESSES": "127.0.0.1",
            "EGRESS_PORT": str(web_port + EGRESS_PORT_OFFSET), **environ}


def _echo_node(env: dict[str, str]) -> None:
    """Say where the dev media node listens (SFU_PORT and friends may move it)."""
    from app.sfu.config import NodeConfigError, NodeSettings

    try:
        node = NodeSettings.from_env(env)
    except NodeConfigError as exc:
        raise click.ClickException(f"media node: {exc}") from exc
    click.echo(f"Media node {node.public_url} (health: {node.control_url}/health)")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()
