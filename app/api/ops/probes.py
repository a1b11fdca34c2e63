"""Liveness and readiness probes: JSON, no tenant, no credentials."""

from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, jsonify

from app.api.ops import bp
from app.extensions import db, settings
from app.storage import StorageError, check_reachable, storage_for

log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers: nothing else is asked (a restart cures nothing else)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the database and the storage answer; 503 naming each that does not."""
    failed = {name: reason for name, check in CHECKS.items()
              if (reason := _failure_of(name, check)) is not None}
    response = jsonify(status="unavailable" if failed else "ok", failed=failed)
    response.status_code = 503 if failed else 200
    return response


def _database() -> None:
    try:
        db.session.execute(sa.text("SELECT 1"))
    finally:
        db.session.rollback()  # hands the connection back to the pool


def _storage() -> None:
    check_reachable(storage_for(settings()))


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "storage": _storage}


def _failure_of(name: str, check: Callable[[], None]) -> str | None:
    """None when ``check`` passes, else the kind of failure. The details
    (addresses, paths) go to the log only: anyone may call /readyz."""
    try:
        check()
    except (sa.exc.SQLAlchemyError, StorageError, OSError) as exc:
        log.warning("readiness: %s failed: %s: %s", name, type(exc).__name__, exc)
        return type(exc).__name__
    return None
