"""`make demo-cluster`: the cluster of the tests (tests/cluster/cluster.py)
for a person, on a database of its own, until Ctrl-C.

Needs root (network namespaces), Debian's nginx and PostgreSQL (DATABASE_URL,
default: the database confera_cluster on 127.0.0.1:5432, made when absent).
Secrets and storage live in instance/cluster/, so a restart keeps both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
from sqlalchemy.engine import make_url

from app.cli import DEMO
from app.config import Settings
from tests.cluster.balancer import UPSTREAM_HEADER
from tests.cluster.cluster import Cluster, running_cluster
from tests.helpers import PG_ADMIN_URL, REPO_ROOT, settings_env

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/confera_cluster"
# The webs as under `make run`: generated secrets, webhooks to private addresses.
WEB_ENV = {"CONFERA_ENV": "development", "WEBHOOK_ALLOW_PRIVATE": "1"}


def main() -> int:
    if os.geteuid() != 0:
        print("make demo-cluster needs root: it makes network namespaces (ip netns)")
        return 1
    database_url = os.environ.get("DATABASE_URL") or _demo_database()
    settings = Settings.from_env(environ={}, env="development", database_url=database_url,
                                 instance_path=str(REPO_ROOT / "instance" / "cluster"))
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    _confera("db", "upgrade", env=settings_env(settings, **WEB_ENV))
    with running_cluster(settings, **WEB_ENV) as cluster:
        _confera("demo", env=cluster.env)  # its URLs name the load balancer's port
        print(_banner(cluster), flush=True)
        while not stopping and all(p.poll() is None for p in _processes(cluster)):
            time.sleep(0.5)
        print("Stopping the cluster ...", flush=True)
    return 0


def _demo_database() -> str:
    """The demo's own database on the local PostgreSQL, made when absent."""
    name = make_url(DEFAULT_DATABASE).database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
                is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    return DEFAULT_DATABASE


def _confera(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, cwd=REPO_ROOT,
                   check=True)


def _processes(cluster: Cluster) -> list[subprocess.Popen[bytes]]:
    return [*cluster.webs, *(node.proc for node in cluster.nodes), *cluster.others.values(),
            cluster.balancer.proc]


def _banner(cluster: Cluster) -> str:
    nodes = "\n".join(f"  {node.node_id:16} {node.control_url}  (network namespace "
                      f"{node.namespace.name})" for node in cluster.nodes)
    return f"""
The cluster is up (Ctrl-C stops it all).

  Load balancer (nginx)   http://admin.{DEMO['domain']}:{cluster.port}/
                          (every *.localhost name; round robin over the webs)
  Web processes           {', '.join(cluster.web_addresses)}
  Demo reseller admin     {DEMO['admin_email']} / {DEMO['admin_password']}
  Media nodes (3):
{nodes}
  Worker, egress          one each, on this machine
  Database                {make_url(cluster.settings.database_url).render_as_string()}
  Storage                 {cluster.settings.resolved_storage_url}

Each response names the web that answered in its {UPSTREAM_HEADER} header.
"""


if __name__ == "__main__":
    sys.exit(main())
