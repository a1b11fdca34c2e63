"""Database plumbing shared by every module: the declarative base, column
helpers, and the SQLite connection settings that make it behave like a server
database for our purposes (real transactions, savepoints, several processes)."""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive ones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Model(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


def configure_sqlite(engine: Engine) -> None:
    """pysqlite opens transactions lazily and breaks SAVEPOINT; take over BEGIN
    (SQLAlchemy's documented recipe), and set WAL + a busy timeout so the web
    and the worker can share one file."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so concurrent writers (web
        # threads, the worker) queue on the busy timeout instead of failing
        # with "database is locked" on a read-then-write upgrade. Fine for the
        # embedded default; production runs on PostgreSQL.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# A connection back in the pool for less than this is taken to be alive.
# Pinging on every checkout (pool_pre_ping) cost a round trip per request.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "idle_since"


def ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use when it sat idle (a database
    restart or an idle timeout may have closed it); a connection that breaks
    in use is replaced by the pool's disconnect handling."""

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(str(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError("the connection did not answer a ping")


def value_enum(enum_type: type[enum.Enum], name: str, length: int = 20) -> sa.Enum:
    """A string column holding an enum's values (not its names), checked by a
    constraint on every backend."""
    return sa.Enum(enum_type, native_enum=False, length=length, create_constraint=True,
                   name=name, values_callable=lambda members: [m.value for m in members])
