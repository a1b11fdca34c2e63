"""Tenant, caller and host look-ups kept per process, and emptied everywhere
when the rows behind them change.

Every API call and page resolves its tenant (Host header -> company) and most
resolve their caller (auth_token -> host); host/get reads one host. Those
rows change rarely, and reading them was all the SQL of a simple read such as
host/get (bench/RESULTS.md). So each process keeps what it looked up, as
immutable records bound to no session (``Tenant``, ``TokenRecord``,
``HostRecord``): a request served from them opens no database session at
all. Writes never work on what the cache holds: they load the rows.

Any committed change to ``IDENTITY_TABLES`` empties the cache of every process:
- PostgreSQL announces it: triggers (migration ``identity_change_notices``)
  send ``NOTIFY`` on ``CHANNEL`` whoever writes (the app, psql, another tool),
  delivered when, and only if, the change commits;
- each process listens on a connection of its own (a thread started on
  first use; a forked child starts its own, with nothing cached); while it
  is not listening, nothing is cached, and it empties the cache when it
  listens again;
- a look-up that finds a notice waiting on that connection, not yet taken in
  by the thread (which may be waiting for the GIL), does not use the cache;
- the writing process also empties its own cache at once, so a client reads
  its own write on the next request.

So a change is seen by every process as soon as PostgreSQL has delivered its
notice. A fill that raced a change is not kept: every fill carries the
generation it started under. ``IDENTITY_CACHE_SECONDS`` bounds an entry's
life all the same. SQLite has no NOTIFY, so there the cache stays off and
every request looks up again.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.engine import Engine

from app.extensions import SETTINGS_KEY

log = logging.getLogger(__name__)

CHANNEL = "confera_identity"
IDENTITY_TABLES = frozenset({"resellers", "companies", "hosts", "api_tokens"})
# Execution option of a write that changes nothing a look-up returns
# (bookkeeping such as a token's last_used_at): it empties nothing here (the
# triggers leave the same column out).
UNCHANGED = "identity_unchanged"
MAX_ENTRIES = 10_000  # tokens are per client; a full cache starts again
RELISTEN_SECONDS = 1.0
LISTENER_NAME = "confera identity cache"  # pg_stat_activity.application_name
_CHANGED = "identity_changed"  # connection info: this transaction wrote a watched table
_EXTENSION = "identity_cache"

V = TypeVar("V")


class IdentityCache:
    """Look-up results by (kind, key), trusted only while this process listens."""

    def __init__(self, dsn: str | None, ttl_seconds: float) -> None:
        self._dsn = dsn  # None: no way to hear of changes, so never cache
        self._ttl = ttl_seconds
        self._entries: dict[tuple[str, str], tuple[float, Any]] = {}
        self._generation = 0
        self._socket: int | None = None  # the listening connection's; None: not listening
        self._draining = False  # the listener is taking in notices, not yet done
        self._listener_started = False
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        _forget_in_forked_children(self)

    @property
    def enabled(self) -> bool:
        return self._dsn is not None and self._ttl > 0

    @property
    def generation(self) -> int:
        return self._generation

    def usable(self) -> bool:
        """Whether entries may be read and stored now (starts the listener)."""
        if not self.enabled:
            return False
        if not self._listener_started:
            self._start_listener()
        socket = self._socket
        # Not while a notice waits, not yet taken in by the listener thread
        # (which may be waiting for the GIL), or is being taken in.
        return socket is not None and not self._draining and not _readable_now(socket)

    def get(self, kind: str, key: str) -> Any | None:
        entry = self._entries.get((kind, key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, kind: str, key: str, value: Any, generation: int) -> None:
        with self._lock:
            if generation != self._generation or self._socket is None:
                return  # a change (or a lapse in listening) since the fill began
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[(kind, key)] = (time.monotonic() + self._ttl, value)

    def forget(self, kind: str, key: str) -> None:
        with self._lock:
            self._entries.pop((kind, key), None)

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def stop(self) -> None:
        self._stopped.set()

    # -- hearing of changes ------------------------------------------------

    def _start_listener(self) -> None:
        with self._lock:
            if self._listener_started:
                return
            self._listener_started = True
        threading.Thread(target=self._listen, name="identity-cache", daemon=True).start()

    def _after_fork(self) -> None:
        # The child has none of the parent's threads, so no listener (its
        # connection is the parent's to use): it starts its own on first use,
        # and trusts nothing that was cached while the parent listened.
        self._lock = threading.Lock()
        self._listener_started = False
        self._socket = None
        self._draining = False
        self._entries = {}
        self._generation += 1

    def _listen(self) -> None:
        assert self._dsn is not None
        while not self._stopped.is_set():
            try:
                # Keepalives: a silently lost connection must end in an error,
                # not in a process that trusts its cache without hearing.
                with psycopg.connect(self._dsn, autocommit=True, application_name=LISTENER_NAME,
                                     keepalives=1, keepalives_idle=10, keepalives_interval=5,
                                     keepalives_count=3) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._hear(conn.pgconn)
            except psycopg.Error as exc:
                log.warning("identity cache: not listening (%s); retrying", exc)
            except Exception:  # never let the thread die: the cache would stay off unnoticed
                log.exception("identity cache: listener failed; retrying")
            finally:
                self.invalidate()
            self._stopped.wait(RELISTEN_SECONDS)

    def _hear(self, pgconn: psycopg.pq.abc.PGconn) -> None:
        self.invalidate()  # whatever was filled before now was unheard
        self._socket = pgconn.socket  # listening from here on
        waiting = select.poll()
        waiting.register(pgconn.socket, select.POLLIN)
        try:
            while not self._stopped.is_set():
                if not waiting.poll(1000):
                    continue
                # Raised before the notice leaves the socket, lowered once the
                # cache is emptied: look-ups in between see it as waiting.
                self._draining = True
                pgconn.consume_input()  # raises when the connection is lost
                heard = False
                while pgconn.notifies() is not None:
                    heard = True
                if heard:
                    self.invalidate()
                self._draining = False
        finally:
            self._socket = None  # not listening: before the socket closes
            self._draining = False


def _forget_in_forked_children(cache: IdentityCache) -> None:
    alive = weakref.ref(cache)

    def after_fork() -> None:
        forked = alive()
        if forked is not None:
            forked._after_fork()

    os.register_at_fork(after_in_child=after_fork)


def _readable_now(fd: int) -> bool:
    """Whether ``fd`` has something to read (or is closed, or in error), now.

    A plain ``select.poll`` with a timeout of 0. An earlier version called
    poll(2) through ctypes to keep the GIL. Measured again under load
    (bench/api.py, runs alternating the two), host/get reached 67-70 % of the
    bare route with p99 27-43 ms this way and 66-67 % with p99 38-43 ms that
    way: the same figure within the machine's noise, so the plain one stays."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def init_identity_cache(app: Flask, engine: Engine) -> None:
    """Give ``app`` its cache; on PostgreSQL, make this process's own writes to
    an identity table empty it at once."""
    settings = app.config[SETTINGS_KEY]
    postgres = engine.dialect.name == "postgresql"
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    cache = IdentityCache(dsn if postgres else None, settings.identity_cache_seconds)
    app.extensions[_EXTENSION] = cache
    if cache.enabled:
        _forget_own_writes(engine, cache)


def _forget_own_writes(engine: Engine, cache: IdentityCache) -> None:
    # Other processes hear of a change from the triggers' NOTIFY; this one
    # must not wait for its own listener to read its own write.
    @sa.event.listens_for(engine, "after_execute")
    def _after_execute(conn: sa.Connection, statement: Any, _multiparams: Any, _params: Any,
                       options: dict[str, Any], _result: Any) -> None:
        if not isinstance(statement, sa.Update | sa.Delete) or options.get(UNCHANGED):
            return  # (an insert makes nothing stale: misses are never kept)
        if getattr(statement.table, "name", None) not in IDENTITY_TABLES:
            return
        conn.info[_CHANGED] = True
        cache.invalidate()

    @sa.event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        # The transaction is over: empty again what other threads of this
        # process may have filled from the rows as they were before it.
        if record is not None and record.info.pop(_CHANGED, False):
            cache.invalidate()


def identity_cache() -> IdentityCache:
    cache: IdentityCache = current_app.extensions[_EXTENSION]
    return cache


def cached_value(kind: str, key: str, load: Callable[[], V | None]) -> V | None:
    """What ``load()`` returns, an immutable value: from this process's cache
    when it holds one, else loaded (and kept)."""
    cache = identity_cache()
    if not cache.usable():
        return load()
    kept: V | None = cache.get(kind, key)
    if kept is not None:
        return kept
    generation = cache.generation
    value = load()
    if value is not None:
        cache.put(kind, key, value, generation)
    return value
