"""Where rate-limit counters live: one place that every web process shares.

``storage_uri`` picks it once, from the settings: Redis when REDIS_URL is
set; else the database whenever more than one process may count (more than
one gunicorn worker, or any production deployment, which may run replicas);
memory only for a single development or test process. Counters kept per
process let each worker grant the whole limit again, and were how two
workers doubled every limit.

``DatabaseStorage`` is a `limits` storage (``confera+database://``) for
flask-limiter and for app.core.rate_limits: fixed windows, each counter one
row, each increment one atomic ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` in a transaction of its own, so it survives the request's
rollback and two processes never both read the same count.

On PostgreSQL the rows are in the app's database (table
``rate_limit_counters``, made by the migrations), through a pool of
connections of their own. SQLite locks the whole
file for a writer, and a request holds its write transaction from its
first query (app/core/db.py: BEGIN IMMEDIATE), so a counter written there
by the request itself would wait on it: on SQLite the counters are in a
file of their own beside it, ``<instance>/rate_limits.db``, which every
process of the machine shares.
"""

from __future__ import annotations

import hashlib
import random
import time
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from app.config import Settings
from app.core.db import Model, configure_sqlite
from app.extensions import settings

DATABASE_URI = "confera+database://"
SQLITE_FILE = "rate_limits.db"
_KEY_LENGTH = 255
_SWEEP_CHANCE = 0.01  # an increment in a hundred also deletes the expired rows


def storage_uri(config: Settings) -> str:
    """The rate-limit storage for these settings (flask-limiter's URI)."""
    if config.redis_url:
        return config.redis_url
    if config.web_workers == 1 and config.env != "production":
        return "memory://"
    return DATABASE_URI


class RateLimitCounter(Model):
    """One fixed-window counter: its hits and when its window ends."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(_KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer())
    expires_at: Mapped[float] = mapped_column(sa.Float(), index=True)  # Unix time


_table: sa.Table = RateLimitCounter.__table__  # type: ignore[assignment]


class DatabaseStorage(Storage):
    """Fixed-window counters in the database (see the module's docstring)."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["confera+database"]  # type: ignore[misc]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False,
                 **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        engine = _engine()
        insert = (postgresql.insert(_table) if engine.dialect.name == "postgresql"
                  else sqlite.insert(_table))
        expired = _table.c.expires_at <= now
        values = insert.values(key=_row_key(key), count=amount, expires_at=now + expiry)
        statement = values.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={"count": sa.case((expired, amount), else_=_table.c.count + amount),
                  "expires_at": sa.case((expired, now + expiry), else_=_table.c.expires_at)},
        ).returning(_table.c.count)
        with engine.begin() as connection:
            count = int(connection.execute(statement).scalar_one())
            if random.random() < _SWEEP_CHANCE:
                connection.execute(sa.delete(_table).where(_table.c.expires_at < now))
        return count

    def get(self, key: str) -> int:
        row = self._row(key)
        return int(row.count) if row is not None else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return float(row.expires_at) if row is not None else time.time()

    def clear(self, key: str) -> None:
        with _engine().begin() as connection:
            connection.execute(sa.delete(_table).where(_table.c.key == _row_key(key)))

    def reset(self) -> int | None:
        with _engine().begin() as connection:
            return int(connection.execute(sa.delete(_table)).rowcount)

    def check(self) -> bool:
        try:
            with _engine().connect() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def _row(self, key: str) -> Any:
        with _engine().connect() as connection:
            return connection.execute(
                sa.select(_table.c.count, _table.c.expires_at)
                .where(_table.c.key == _row_key(key), _table.c.expires_at > time.time())
            ).first()


def _row_key(key: str) -> str:
    """Keys hold what they count by (addresses, rooms, hashed accounts); a
    longer one than the column takes is stored as its SHA-256."""
    if len(key) <= _KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _engine() -> Engine:
    """The app's database, or on SQLite the counters' own file (see above)."""
    config = settings()
    if not config.sqlalchemy_url.startswith("sqlite"):
        return _server_engine(config.sqlalchemy_url)
    return _sqlite_engine(str(Path(config.instance_path) / SQLITE_FILE))


@cache
def _server_engine(url: str) -> Engine:
    """A pool of its own: a request holds one of the app's connections while
    it counts, and taking the counter's from the same pool would let a burst
    of requests wait on each other until the pool timed out."""
    return sa.create_engine(url, pool_size=2, max_overflow=8, pool_pre_ping=True)


@cache
def _sqlite_engine(path: str) -> Engine:
    engine = sa.create_engine(f"sqlite:///{path}")
    configure_sqlite(engine)
    with engine.begin() as connection:  # several processes may get here at once
        connection.execute(sa.schema.CreateTable(_table, if_not_exists=True))
        for index in _table.indexes:
            connection.execute(sa.schema.CreateIndex(index, if_not_exists=True))
    return engine
