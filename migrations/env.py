"""Alembic environment: runs against the database of the Flask app in context."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from app.core import rate_limit_storage as _rate_limits  # noqa: F401  (tables for autogenerate)
from app.core.db import Model
from app.extensions import db
from app.jobs import models as _jobs  # noqa: F401
from app.modules.api_keys import models as _api_keys  # noqa: F401
from app.modules.conferences import models as _conferences  # noqa: F401
from app.modules.events import models as _events  # noqa: F401
from app.modules.hosts import models as _hosts  # noqa: F401
from app.modules.media_nodes import models as _media_nodes  # noqa: F401
from app.modules.meetings import models as _meetings  # noqa: F401
from app.modules.oauth import models as _oauth  # noqa: F401
from app.modules.outputs import models as _outputs  # noqa: F401
from app.modules.recordings import models as _recordings  # noqa: F401
from app.modules.tenants import models as _tenants  # noqa: F401

target_metadata = Model.metadata


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, DROP, rename): with foreign
            # keys enforced, dropping a table that rows of another reference
            # fails, or cascades into them. So off while migrating (outside any
            # transaction: SQLite ignores it inside one), checked after.
            _pragma(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = _pragma(connection, "PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"migrations left rows that break foreign keys: {broken}")
        finally:
            if sqlite:
                _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection: Connection, statement: str) -> list[tuple[object, ...]]:
    """Run ``statement`` on the SQLite connection itself, outside SQLAlchemy's
    transaction (app/core/db.py: the driver is in autocommit mode)."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        return list(cursor.execute(statement).fetchall())
    finally:
        cursor.close()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `confera db upgrade`")
run_migrations_online()
