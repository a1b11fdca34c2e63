"""PostgreSQL itself announces every committed change to the rows the identity
cache keeps (app/core/identity_cache.py): a trigger sends NOTIFY on
``confera_identity``, whoever writes (the app, psql, another tool).

Inserts are left out: the cache never keeps a miss, so a new row makes
nothing in it stale. A token's ``last_used_at`` is bookkeeping that no
look-up depends on, so an update that changes only that column is left out
too. SQLite has no NOTIFY (and no cache): nothing to do there.

Revision ID: 9a4d1c7e2b60
Revises: 4b8e2f61c9d7
Create Date: 2026-11-23 15:00:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9a4d1c7e2b60"
down_revision: str | None = "4b8e2f61c9d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "confera_identity"  # identity_cache.CHANNEL, frozen as it was at this revision
FUNCTION = "confera_identity_changed"
WHOLE_ROW_TABLES = ("resellers", "companies", "hosts")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_notify folds repeats of the same notice within a transaction into one.
    op.execute(f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$""")
    for table in WHOLE_ROW_TABLES:
        op.execute(f"""
            CREATE TRIGGER {table}_identity_changed
            AFTER UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()""")
    op.execute(f"""
        CREATE TRIGGER api_tokens_identity_changed
        AFTER DELETE OR TRUNCATE ON api_tokens
        FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()""")
    op.execute(f"""
        CREATE TRIGGER api_tokens_identity_updated
        AFTER UPDATE ON api_tokens FOR EACH ROW
        WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))
        EXECUTE FUNCTION {FUNCTION}()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WHOLE_ROW_TABLES:
        op.execute(f"DROP TRIGGER {table}_identity_changed ON {table}")
    op.execute("DROP TRIGGER api_tokens_identity_changed ON api_tokens")
    op.execute("DROP TRIGGER api_tokens_identity_updated ON api_tokens")
    op.execute(f"DROP FUNCTION {FUNCTION}()")
